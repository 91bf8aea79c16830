"""TEST DOUBLE of `ultralytics.data.utils`: the image suffixes Ultralytics 8.4.52 reads."""

IMG_FORMATS = {"avif", "bmp", "dng", "heic", "heif", "jp2", "jpeg", "jpeg2000", "jpg", "mpo", "png", "tif", "tiff", "webp"}
