export interface WasmKernel {
  /** The text source (.wat), relative to the repository root. */
  source: string;
  /** The generated TypeScript module holding the binary, relative to the repository root. */
  generated: string;
  /** The constant the generated module exports. */
  exportName: string;
}
export const KERNELS: WasmKernel[];
/** The generated module's text for one kernel, compiled from its source file now. */
export function compileKernel(file: string, kernel: WasmKernel): Promise<string>;
