"""Training on Modal as far as a CPU machine can check it: the functions' definitions, offline, never deployed."""

import importlib.util
import warnings

import pytest


@pytest.fixture(scope="module")
def functions():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import bwbench.models.modal_app as app
        import bwbench.training.modal_functions as functions
    return app, functions


def test_the_training_functions_are_defined_as_documented(functions):
    from bwbench.training.axolotl import AXOLOTL_VERSION

    m, f = functions
    train = f.axolotl_train._spec_
    assert train.gpus == m.DEFAULT_TRAIN_GPU == "A100:2"  # two A100s, as the seed trained
    assert set(train.volumes) == {"/models", "/runs"} and "bwbench-runs" in repr(train.volumes["/runs"])
    assert len(train.secrets) == 1 and "huggingface-secret" in repr(train.secrets[0])
    assert m.WANDB_SECRET == "wandb-secret"  # added per run, only with --wandb
    assert not f.axolotl_check._spec_.gpus  # validation needs no GPU
    # Axolotl is in the training image only, at the version bwbench renders configs for, over the CPU torch it allows.
    assert f"axolotl=={AXOLOTL_VERSION}" in m.TRAIN_PACKAGES and m.AXOLOTL_VERSION == AXOLOTL_VERSION
    assert importlib.util.find_spec("axolotl") is None
    assert "module_name='bwbench'" in repr(train.mounts)
    assert f.axolotl_train.with_options(gpu="H100:8") is not f.axolotl_train
