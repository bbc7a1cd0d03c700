"""One declaration through a LightGBM model without the per-call set-up of `Booster.predict`.

`Booster.predict` builds a predictor, its parameter string and its output buffer on every call:
for the one row of a lane decision that costs more than the trees. LightGBM's C API has a
single-row path for this (`LGBM_BoosterPredictForMatSingleRowFastInit` once, then
`LGBM_BoosterPredictForMatSingleRowFast` per row, LightGBM 3.0 and later); the Python package
does not wrap it, so it is called here through the library the package loaded. It walks the
same trees as `Booster.predict` and gives the same numbers (a test compares them). Where the
library lacks it, or it fails to set up, `Booster.predict` is used.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from typing import Any

import lightgbm as lgb
import numpy as np

logger = logging.getLogger(__name__)

# From LightGBM's c_api.h.
PREDICT_NORMAL = 0
PREDICT_CONTRIB = 3
_DTYPE_FLOAT64 = 1


def _lib() -> Any:
    try:
        from lightgbm.basic import _LIB
    except ImportError:  # pragma: no cover - another packaging of LightGBM
        return None
    if not hasattr(_LIB, "LGBM_BoosterPredictForMatSingleRowFastInit"):
        return None
    return _LIB


class RowPredictor:
    """`booster.predict(row[None, :], ...)` for one row of `ncol` float64 features: the
    prediction (`PREDICT_NORMAL`, one number) or the SHAP contributions and the bias
    (`PREDICT_CONTRIB`, `ncol + 1` numbers)."""

    def __init__(self, booster: lgb.Booster, ncol: int, predict_type: int = PREDICT_NORMAL):
        self.booster = booster  # keeps the model alive as long as its fast configuration
        self.ncol = ncol
        self.predict_type = predict_type
        self.width = ncol + 1 if predict_type == PREDICT_CONTRIB else 1
        # The fast configuration holds one row's buffers: one caller at a time.
        self._lock = threading.Lock()
        self._config = ctypes.c_void_p()
        self._lib = _lib()
        self._out = np.zeros(self.width, dtype=np.float64)
        self._out_len = ctypes.c_int64(0)
        if self._lib is None:
            return
        handle = getattr(booster, "_handle", None)
        if handle is None:
            self._lib = None
            return
        ret = self._lib.LGBM_BoosterPredictForMatSingleRowFastInit(
            handle,
            ctypes.c_int(predict_type),
            ctypes.c_int(0),  # start iteration
            ctypes.c_int(-1),  # every iteration
            ctypes.c_int(_DTYPE_FLOAT64),
            ctypes.c_int32(ncol),
            ctypes.c_char_p(b"num_threads=1"),
            ctypes.byref(self._config),
        )
        if ret != 0:
            logger.warning("LightGBM's single-row prediction is unavailable; Booster.predict used")
            self._lib = None

    @property
    def fast(self) -> bool:
        return self._lib is not None

    def predict(self, row: np.ndarray) -> np.ndarray:
        """The prediction of one row (a copy the caller may keep)."""
        data = np.ascontiguousarray(row, dtype=np.float64).reshape(-1)
        if len(data) != self.ncol:
            raise ValueError(f"{len(data)} features, the model takes {self.ncol}")
        if self._lib is None:
            kwargs = {"pred_contrib": True} if self.predict_type == PREDICT_CONTRIB else {}
            out = self.booster.predict(data[None, :], num_threads=1, **kwargs)
            return np.asarray(out, dtype=np.float64).reshape(-1)
        with self._lock:
            ret = self._lib.LGBM_BoosterPredictForMatSingleRowFast(
                self._config,
                data.ctypes.data_as(ctypes.c_void_p),
                ctypes.byref(self._out_len),
                self._out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
            )
            if ret != 0:
                raise lgb.basic.LightGBMError(self._lib.LGBM_GetLastError().decode("utf-8"))
            return self._out[: self._out_len.value].copy()

    def __del__(self) -> None:
        lib, config = getattr(self, "_lib", None), getattr(self, "_config", None)
        if lib is not None and config is not None and config.value:
            lib.LGBM_FastConfigFree(config)
            config.value = None
