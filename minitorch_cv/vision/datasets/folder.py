"""``ImageFolder``: a dataset from ``root/class_name/image.png`` folders, as in torchvision."""
import os

from PIL import Image

from .vision import VisionDataset

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path):
    """Open an image file as an RGB PIL image (the file is closed before returning)."""
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


class ImageFolder(VisionDataset):
    """Images sorted into one sub-folder per class; labels are the sorted folder indices.

    Args:
        root (str or Path): folder holding one sub-folder per class.
        transform / target_transform (callable): applied to each image / label.
        loader (callable): path -> image; default opens the file as an RGB PIL image.
        is_valid_file (callable): path -> bool; default: the extension is in IMG_EXTENSIONS.
        allow_empty (bool): accept class folders without any valid file.

    Attributes: ``classes``, ``class_to_idx``, ``samples`` (list of (path, class index)),
    ``targets`` and ``imgs`` (same as ``samples``).
    """

    def __init__(self, root, transform=None, target_transform=None, loader=pil_loader,
                 is_valid_file=None, allow_empty=False):
        super().__init__(root, transform, target_transform)
        self.loader = loader
        self.classes, self.class_to_idx = self.find_classes(self.root)
        is_valid_file = is_valid_file or (lambda path: path.lower().endswith(IMG_EXTENSIONS))
        self.samples = self._make_dataset(is_valid_file, allow_empty)
        self.imgs = self.samples
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def find_classes(directory):
        """Sorted class folder names and their indices."""
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"ImageFolder: {directory} is not a folder")
        classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
        if not classes:
            raise FileNotFoundError(f"Couldn't find any class folder in {directory}: expected "
                                    "one sub-folder per class, e.g. root/cat/001.png")
        return classes, {name: i for i, name in enumerate(classes)}

    def _make_dataset(self, is_valid_file, allow_empty):
        samples, empty = [], []
        for name in self.classes:
            found = 0
            for folder, _, filenames in sorted(os.walk(os.path.join(self.root, name), followlinks=True)):
                for filename in sorted(filenames):
                    path = os.path.join(folder, filename)
                    if is_valid_file(path):
                        samples.append((path, self.class_to_idx[name]))
                        found += 1
            if not found:
                empty.append(name)
        if empty and not allow_empty:
            raise FileNotFoundError(f"Found no valid file for the classes {', '.join(empty)} in "
                                    f"{self.root}. Supported extensions are: "
                                    f"{', '.join(IMG_EXTENSIONS)}")
        return samples

    def __getitem__(self, index):
        path, target = self.samples[index]
        return self._transformed(self.loader(path), target)

    def __len__(self):
        return len(self.samples)
