"""Seeding and a short report of where the course is running (introduced in notebook 01).

Nothing happens at import: call :func:`setup` once at the top of a notebook.
"""

from __future__ import annotations

import os
import platform
import random
import warnings
from typing import Any

import numpy as np

from helpers.paths import detect_platform


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and Keras (which seeds TensorFlow)."""
    random.seed(seed)
    np.random.seed(seed)
    import keras  # Imported here so that importing helpers.env stays cheap.

    keras.utils.set_random_seed(seed)


def accelerators() -> dict[str, list[str]]:
    """List the GPUs and TPUs TensorFlow can see, by device name."""
    import tensorflow as tf

    found: dict[str, list[str]] = {"GPU": [], "TPU": []}
    for kind in found:
        try:
            devices = tf.config.list_physical_devices(kind)
        except Exception:  # pragma: no cover - a broken driver must not stop the course
            devices = []
        for dev in devices:
            name = dev.name
            if kind == "GPU":
                try:
                    name = tf.config.experimental.get_device_details(dev).get("device_name", name)
                except Exception:  # pragma: no cover
                    pass
            found[kind].append(name)
    return found


def report() -> dict[str, Any]:
    """Describe the platform, versions and accelerators, as a dict that displays as a table.

    The keys are ``platform``, ``python``, ``tensorflow``, ``keras``, ``numpy``, ``cpu`` (its
    kind and number of cores), ``accelerator`` and ``profile``.
    """
    import keras
    import tensorflow as tf

    from helpers import profiles

    devices = accelerators()
    if devices["TPU"]:
        accel = f"TPU x{len(devices['TPU'])}"
    elif devices["GPU"]:
        accel = ", ".join(devices["GPU"])
    else:
        accel = "none (CPU only)"
    return {
        "platform": detect_platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "cpu": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "accelerator": accel,
        "profile": profiles.current().name,
    }


def strategy():
    """The ``tf.distribute`` strategy for this machine: ``TPUStrategy`` on a TPU,
    ``MirroredStrategy`` on several GPUs (or several logical CPUs set up for a test), and the
    default strategy (one device) otherwise. Build and compile the model inside
    ``strategy.scope()``.
    """
    import tensorflow as tf

    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    except (ValueError, RuntimeError, tf.errors.NotFoundError):
        pass  # no TPU here
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy([d.name for d in gpus])
    cpus = tf.config.list_logical_devices("CPU")
    if not gpus and len(cpus) > 1:
        return tf.distribute.MirroredStrategy([d.name for d in cpus])
    return tf.distribute.get_strategy()


def mixed_precision_supported() -> bool:
    """Whether a GPU with float16 tensor cores (compute capability 7.0 or newer) is present."""
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        if details.get("compute_capability", (0, 0)) >= (7, 0):
            return True
    return False


def memory_kib(field: str = "VmRSS") -> int:
    """This process's memory from ``/proc/self/status`` in KiB (Linux): ``VmRSS`` (resident now)
    or ``VmHWM`` (peak resident so far). Used by the benchmarks."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status (Linux only)")


GPU_HOWTO = {
    "colab": "Runtime > Change runtime type > Hardware accelerator: a GPU (T4 is free), then "
    "Save; the session restarts, so run the notebook again from the top.",
    "kaggle": "Settings (right panel) > Accelerator > GPU T4 x2 or GPU P100 (this needs a "
    "phone-verified account), then run the notebook again from the top.",
}
"""How to attach a GPU on each hosted platform."""


def quiet_tensorflow() -> None:
    """Hide TensorFlow's Python-side warnings (such as retracing notes) and a NumPy 2 deprecation
    notice Keras triggers internally; errors still show.

    TensorFlow's C++ start-up lines are controlled by ``TF_CPP_MIN_LOG_LEVEL``, which must be set
    before TensorFlow is imported (every notebook's first cell does it).
    """
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    warnings.filterwarnings("ignore", message="__array__ implementation doesn't accept a copy")


def gpu_advice(report: dict[str, Any]) -> str | None:
    """What to do when a notebook that wants a GPU runs without one on Colab or Kaggle."""
    if report["accelerator"] != "none (CPU only)" or report["platform"] not in GPU_HOWTO:
        return None
    return (
        f"No GPU is attached. This notebook runs on the CPU too (the default profile is sized for "
        f"it), but a GPU trains much faster. To attach one: {GPU_HOWTO[report['platform']]}"
    )


def setup(seed: int = 42, gpu: bool = False) -> dict[str, Any]:
    """Seed every generator, quiet TensorFlow's Python warnings, and return :func:`report`.

    Args:
        seed: The seed for Python, NumPy, Keras and TensorFlow.
        gpu: Whether the notebook is better on a GPU; if so, and it runs on Colab or Kaggle
            without one, a message says how to attach one.

    Returns:
        The platform, the versions of Python, TensorFlow, Keras and NumPy, the CPU, the
        accelerator and the profile, as a dict that displays as a table.
    """
    seed_everything(seed)
    quiet_tensorflow()
    found = report()
    advice = gpu_advice(found) if gpu else None
    if advice:
        print(advice)
    return found
