"""The training callbacks, spec checks and error mapping, in-process with a fake trainer.

The fake trainer is a namespace with the attributes Ultralytics' BaseTrainer has; each test
drives the callbacks in the order `BaseTrainer._do_train` runs them.
"""

from __future__ import annotations

import errno
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace

from reticle_runtime.callbacks import RESUMABLE_COPY, StopRequest, TrainingEvents
from reticle_runtime.errors import RuntimeFailure, describe
from reticle_runtime.results import best_epoch_from_results, confusion_matrix, per_class_results
from reticle_runtime.spec import parse_spec
from reticle_runtime.train import train_arguments


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fake_trainer(run_dir: Path, epochs: int = 3, batches: int = 4) -> SimpleNamespace:
    weights = run_dir / "weights"
    weights.mkdir(parents=True, exist_ok=True)
    names = {0: "cat", 1: "dog"}
    t = SimpleNamespace(
        args=SimpleNamespace(data="/data/data.yaml", imgsz=320, plots=False),
        save_dir=run_dir,
        last=weights / "last.pt",
        best=weights / "best.pt",
        csv=run_dir / "results.csv",
        device="cpu",
        epochs=epochs,
        start_epoch=0,
        epoch=0,
        batch_size=8,
        test_loader=SimpleNamespace(dataset=[None] * 5),
        data={"names": names},
        tloss=None,
        metrics={},
        lr={"lr/pg0": 0.01},
        fitness=None,
        best_fitness=None,
        epoch_time=1.5,
        stop=False,
        validator=SimpleNamespace(
            metrics=SimpleNamespace(
                box=SimpleNamespace(ap_class_index=[0], ap50=[0.8], ap=[0.5], p=[0.9], r=[0.7]),
                nt_per_class=[4, 0],
            ),
            confusion_matrix=SimpleNamespace(matrix=[[3.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]),
        ),
    )
    t.train_loader = _Loader(batches, 30)
    t.label_loss_items = lambda loss, prefix="train": {f"{prefix}/box_loss": loss[0], f"{prefix}/cls_loss": loss[1]}
    return t


class _Loader:
    def __init__(self, batches: int, images: int):
        self.batches, self.dataset = batches, [None] * images

    def __len__(self) -> int:
        return self.batches


def run_epoch(events: TrainingEvents, t: SimpleNamespace, clock: Clock, fitness: float, stop_after: int | None = None) -> None:
    """One epoch as BaseTrainer._do_train runs it."""
    events.on_train_epoch_start(t)
    for i in range(len(t.train_loader)):
        clock.now += 0.1
        t.tloss = [1.0 - 0.1 * t.epoch, 2.0]
        events.on_train_batch_end(t)
        if stop_after is not None and i + 1 == stop_after:
            events.stop.request()
        if t.stop:
            break
    events.on_train_epoch_end(t)
    t.metrics = {"metrics/mAP50-95(B)": fitness, "val/box_loss": 1.0}
    t.fitness = fitness
    if not t.best_fitness or t.best_fitness < fitness:
        t.best_fitness = fitness
    t.stop = t.stop or t.epoch + 1 >= t.epochs
    t.last.write_text(f"full checkpoint epoch {t.epoch}")
    if t.best_fitness == fitness:
        t.best.write_text(f"best epoch {t.epoch}")
    events.on_model_save(t)
    events.on_fit_epoch_end(t)


def final_eval(events: TrainingEvents, t: SimpleNamespace) -> None:
    t.last.write_text("stripped")  # strip_optimizer(last.pt)
    t.metrics = {"metrics/mAP50-95(B)": t.best_fitness}
    t.epoch += 1
    events.on_fit_epoch_end(t)
    t.epoch -= 1
    events.on_train_end(t)


class TrainingEventsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.run_dir = Path(self.tmp.name) / "run"
        self.sent: list[dict] = []
        self.clock = Clock()

    def events(self, stop_file: str | None = None, **kw) -> TrainingEvents:
        return TrainingEvents(self.sent.append, StopRequest(stop_file), model_label="yolo11n.yaml", requested_device="cpu", resumed=False, clock=self.clock, **kw)

    def train(self, events: TrainingEvents, t: SimpleNamespace, fitness: list[float], stop_after: tuple[int, int] | None = None) -> None:
        events.on_train_start(t)
        for e, f in enumerate(fitness):
            t.epoch = e
            run_epoch(events, t, self.clock, f, stop_after[1] if stop_after and stop_after[0] == e else None)
            if t.stop:
                break
        final_eval(events, t)

    def test_a_run_reports_started_epochs_with_their_checkpoints_then_nothing_for_final_eval(self):
        t = fake_trainer(self.run_dir)
        events = self.events()
        self.train(events, t, [0.1, 0.3, 0.2])
        types = [m["type"] for m in self.sent]
        self.assertEqual(types[0], "started")
        self.assertEqual([m["epoch"] for m in self.sent if m["type"] == "epoch"], [1, 2, 3])  # final_eval's call adds none
        for i, m in enumerate(self.sent):
            if m["type"] == "checkpoint":
                self.assertEqual(self.sent[i - 1]["type"], "epoch")
                self.assertEqual(self.sent[i - 1]["epoch"], m["epoch"])
        best = [m for m in self.sent if m["type"] == "checkpoint"]
        self.assertEqual([c["is_best"] for c in best], [True, True, False])
        self.assertIsNone(best[2]["best_path"])
        result = events.result
        assert result is not None
        self.assertEqual(result["metrics"], {"metrics/mAP50-95(B)": 0.3})  # best.pt's final validation
        self.assertEqual(result["best_epoch"], 2)
        self.assertFalse(result["stopped_by_user"] or result["stopped_early"] or result["resumable"])
        self.assertTrue(t.args.plots, "the final validation needs plots on to fill the confusion matrix")
        self.assertEqual(result["confusion_matrix"], {"names": ["cat", "dog", "background"], "matrix": [[3, 0, 1], [0, 0, 0], [1, 0, 0]]})

    def test_progress_is_throttled_to_four_lines_a_second(self):
        t = fake_trainer(self.run_dir, epochs=1, batches=20)  # 0.1 s a batch: 2 s of batches
        self.train(self.events(), t, [0.1])
        progress = [m for m in self.sent if m["type"] == "progress"]
        self.assertTrue(5 <= len(progress) <= 9, len(progress))
        self.assertEqual(progress[0]["batch"], 1)
        self.assertEqual(progress[0]["losses"], {"train/box_loss": 1.0, "train/cls_loss": 2.0})

    def test_a_stop_request_cuts_the_epoch_short_and_keeps_last_pt_resumable(self):
        t = fake_trainer(self.run_dir, epochs=5)
        events = self.events()
        self.train(events, t, [0.1, 0.2, 0.3, 0.4, 0.5], stop_after=(1, 2))
        epochs = [m for m in self.sent if m["type"] == "epoch"]
        self.assertEqual([e["epoch"] for e in epochs], [1, 2])
        self.assertTrue(epochs[1]["partial"])
        self.assertEqual(epochs[1]["eta_seconds"], 0)
        result = events.result
        assert result is not None
        self.assertTrue(result["stopped_by_user"])
        self.assertFalse(result["stopped_early"])
        self.assertTrue(result["resumable"])
        self.assertEqual(result["epochs_completed"], 2)
        self.assertEqual(t.last.read_text(), "full checkpoint epoch 1", "final_eval's stripped last.pt must be replaced")
        self.assertFalse((t.last.parent / RESUMABLE_COPY).exists())

    def test_the_stop_file_is_noticed_between_batches(self):
        stop_file = Path(self.tmp.name) / "stop"
        t = fake_trainer(self.run_dir, epochs=5)
        events = self.events(str(stop_file))
        events.on_train_start(t)
        events.on_train_epoch_start(t)
        t.tloss = [1.0, 1.0]
        events.on_train_batch_end(t)
        self.assertFalse(t.stop)
        stop_file.touch()
        events.on_train_batch_end(t)
        self.assertTrue(t.stop)

    def test_early_stopping_is_not_a_user_stop(self):
        t = fake_trainer(self.run_dir, epochs=10)
        events = self.events()
        events.on_train_start(t)
        for e, f in enumerate([0.1, 0.2, 0.2]):
            t.epoch = e
            run_epoch(events, t, self.clock, f)
        t.stop = True  # EarlyStopping said so
        final_eval(events, t)
        result = events.result
        assert result is not None
        self.assertTrue(result["stopped_early"])
        self.assertFalse(result["stopped_by_user"] or result["resumable"])

    def test_per_class_results_give_nulls_for_classes_the_validation_set_lacks(self):
        t = fake_trainer(self.run_dir)
        rows = per_class_results(t.validator, ["cat", "dog"])
        self.assertEqual(rows[0], {"class": "cat", "index": 0, "instances": 4, "ap50": 0.8, "ap50_95": 0.5, "precision": 0.9, "recall": 0.7})
        self.assertEqual(rows[1], {"class": "dog", "index": 1, "instances": 0, "ap50": None, "ap50_95": None, "precision": None, "recall": None})

    def test_a_confusion_matrix_that_does_not_fit_the_names_is_left_out(self):
        t = fake_trainer(self.run_dir)
        self.assertIsNone(confusion_matrix(t.validator, ["cat"]))
        self.assertIsNone(confusion_matrix(SimpleNamespace(), ["cat", "dog"]))

    def test_best_epoch_spans_the_whole_results_csv(self):
        csv = Path(self.tmp.name) / "results.csv"
        csv.write_text("epoch,time,metrics/mAP50-95(B)\n1,1,0.1\n2,2,0.4\n3,3,0.4\n4,4,0.2\n")
        self.assertEqual(best_epoch_from_results(csv), 2)
        self.assertIsNone(best_epoch_from_results(Path(self.tmp.name) / "none.csv"))


SPEC = {
    "data": "/abs/data.yaml",
    "model": "yolo11n.yaml",
    "epochs": 3,
    "imgsz": 640,
    "batch": -1,
    "device": "0",
    "project": "/abs/runs",
    "name": "run-1",
    "hyperparameters": {"lr0": 0.01, "optimizer": "SGD", "patience": 20},
    "resume": False,
    "stop_file": "/abs/stop",
}


class SpecTest(unittest.TestCase):
    def failure(self, **changes) -> RuntimeFailure:
        with self.assertRaises(RuntimeFailure) as caught:
            parse_spec({**SPEC, **changes})
        return caught.exception

    def test_a_good_spec_becomes_train_arguments_with_the_runtimes_defaults(self):
        args = train_arguments(parse_spec(SPEC))
        self.assertEqual(args["batch"], -1)
        self.assertEqual(args["device"], "0")
        self.assertEqual(args["optimizer"], "SGD")
        self.assertIs(args["exist_ok"], True)
        self.assertIs(args["plots"], False)
        self.assertGreater(args["workers"], 0)
        self.assertNotIn("resume", args)
        cpu = train_arguments(parse_spec({**SPEC, "device": "cpu"}))
        self.assertEqual((cpu["workers"], cpu["amp"]), (0, False))

    def test_bad_specs_are_refused_with_a_reason(self):
        self.assertEqual(self.failure(epochs=True).code, "invalid_spec")
        self.assertEqual(self.failure(epochs=0).code, "invalid_spec")
        self.assertEqual(self.failure(batch=0).code, "invalid_spec")
        self.assertEqual(self.failure(data="relative/data.yaml").code, "invalid_spec")
        self.assertEqual(self.failure(name="../escape").code, "invalid_spec")
        self.assertEqual(self.failure(device="cuda:0").code, "invalid_spec")
        self.assertIn("project", self.failure(hyperparameters={"project": "/x"}).message)
        self.assertEqual(self.failure(device="0,0").code, "invalid_spec")
        self.assertEqual(self.failure(device="0,1", batch=-1).code, "invalid_hyperparameter")
        self.assertEqual(parse_spec({**SPEC, "device": "0,1", "batch": 16}).device, "0,1")
        with self.assertRaises(RuntimeFailure):
            parse_spec([])

    def test_resume_needs_no_model(self):
        spec = parse_spec({**SPEC, "model": None, "resume": True})
        self.assertTrue(train_arguments(spec)["resume"])


class ErrorsTest(unittest.TestCase):
    def code(self, exc: BaseException) -> str:
        return describe(exc).code

    def test_failures_a_user_can_fix_get_their_own_codes_and_hints(self):
        oom = describe(RuntimeError("CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 7.79 GiB total capacity)"))
        self.assertEqual((oom.code, oom.hint), ("gpu_out_of_memory", "Lower the batch size or image size."))
        kernel = describe(RuntimeError("CUDA error: no kernel image is available for execution on the device"))
        self.assertEqual(kernel.code, "gpu_unsupported")
        self.assertIn("reinstall the runtime", kernel.hint or "")
        self.assertEqual(self.code(OSError(errno.ENOSPC, "No space left on device")), "disk_full")
        self.assertEqual(self.code(ValueError("Invalid CUDA 'device=3' requested. Use 'device=cpu' ...")), "device_not_found")
        self.assertEqual(self.code(SyntaxError("'\x1b[31m\x1b[1mlr9\x1b[0m' is not a valid YOLO argument. ")), "invalid_hyperparameter")
        self.assertEqual(self.code(AssertionError("x.pt training to 3 epochs is finished, nothing to resume.")), "nothing_to_resume")
        self.assertEqual(self.code(ModuleNotFoundError("No module named 'torch'", name="torch")), "runtime_missing")
        self.assertEqual(self.code(KeyboardInterrupt()), "interrupted")
        offline = describe(ConnectionError("Download failure for https://github.com/ultralytics/assets/releases/download/v8.4.0/yolo11n.pt. Environment may be offline."))
        self.assertEqual((offline.code, offline.message), ("download_failed", "yolo11n.pt could not be downloaded: this computer seems to be offline."))

    def test_a_wrapped_dataset_error_is_told_by_its_innermost_cause(self):
        try:
            try:
                raise SyntaxError("/d/data.yaml 'val:' key missing \u274c.\n'train' and 'val' are required")
            except SyntaxError as inner:
                raise RuntimeError("Dataset '/d/data.yaml' error \u274c ...") from inner
        except RuntimeError as exc:
            failure = describe(exc)
        self.assertEqual(failure.code, "dataset_invalid")
        self.assertIn("'val:' key missing", failure.message)
        self.assertNotIn("\u274c", failure.message)

    def test_damaged_weights_and_anything_else(self):
        import pickle

        self.assertEqual(self.code(pickle.UnpicklingError("invalid load key, '\\x0b'.")), "weights_invalid")
        other = describe(ZeroDivisionError("division by zero"))
        self.assertEqual(other.code, "internal")
        self.assertEqual(other.message, "ZeroDivisionError: division by zero")


if __name__ == "__main__":
    unittest.main()
