"""The pieces of ``examples/train_cifar.py``, written once for both backends.

Because minitorch_cv copies torch's API, every training function here receives the library
(``minitorch_cv`` or ``torch``) through a ``Backend`` and runs the same lines on either.
"""
