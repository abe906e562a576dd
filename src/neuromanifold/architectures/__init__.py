"""Layer 1: architecture families, spec parsing and the parametrization map.

``parse(spec)`` reads a spec string; ``str(arch)`` writes the canonical one,
and ``parse(str(arch)) == arch``.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict

from ..errors import SpecError
from .attention import Attention, attention
from .base import (Architecture, Conserved, FactorForm, LastLayers, MatrixForm, Parametrization, SymmetryGroup,
                   TensorForm, WaringForm)
from .subnetworks import Subnetwork
from .conv import LCN, PCNN, lcn, pcnn
from .dense import MLP, Linear, linear, mlp
from .relu import ReLU, relu
from .resnet import ResNet, resnet
from .spec import read_call, suggest

#: spec name -> constructor
FAMILIES = {
    "linear": linear,
    "mlp": mlp,
    "lcn": lcn,
    "pcnn": pcnn,
    "attention": attention,
    "resnet": resnet,
    "relu": relu,
}

#: one complete spec of each family, for messages
EXAMPLES = {
    "linear": "linear(widths=[4,2,3])",
    "mlp": 'mlp(widths=[2,2,1], activation="x^3")',
    "lcn": "lcn(filters=[3,2], strides=[2,1])",
    "pcnn": 'pcnn(filters=[2,2], strides=[1,1], activation="x^2")',
    "attention": "attention(d=2, a=2, t=2, dout=1)",
    "resnet": 'resnet(widths=[3,2,3], activation="x^2")',
    "relu": "relu(widths=[2,3,1])",
}


#: The architectures parsed so far, by canonical spec (at most INTERNED of them, oldest dropped).
_INTERNED: OrderedDict[str, Architecture] = OrderedDict()
INTERNED = 256


def parse(spec) -> Architecture:
    """The architecture described by ``spec`` (an Architecture is returned unchanged).

    Architectures are immutable and equal when their canonical specs are, so equal specs give
    the same instance: its parametrization and the compiled functions hanging on it are built
    once per process (a warm ``degree`` or ``edd`` does not trace its network again).

    >>> parse("linear(widths=[3, 1, 3])") is parse("linear(widths=[3,1,3])")
    True
    """
    if isinstance(spec, Architecture):
        return spec
    arch = _parse(spec)
    key = str(arch)
    known = _INTERNED.get(key)
    if known is not None:
        _INTERNED.move_to_end(key)
        return known
    _INTERNED[key] = arch
    if len(_INTERNED) > INTERNED:
        _INTERNED.popitem(last=False)
    return arch


def _parse(spec) -> Architecture:
    family, args = read_call(spec, FAMILIES)
    constructor = FAMILIES[family]
    signature = inspect.signature(constructor).parameters
    params = list(signature)
    positional = [n for n, p in signature.items() if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    kwargs, where = {}, {}
    for i, arg in enumerate(args):
        if arg.name is None:
            if i >= len(positional):
                raise SpecError(f"{family} takes at most {len(positional)} positional arguments "
                                f"({', '.join(positional)}); name them, e.g. {params[0]}=...", spec, arg.position)
            name = params[i]
        else:
            name = arg.name
            if name not in params:
                raise SpecError(f"unknown keyword {name!r} for {family}:{suggest(name, params)} "
                                f"{family} takes {', '.join(params)}, e.g. {EXAMPLES[family]}", spec,
                                arg.keyword_position)
        if name in kwargs:
            raise SpecError(f"{name} is given twice", spec, arg.keyword_position or arg.position)
        kwargs[name] = arg.value
        where[name] = arg
    missing = [n for n, p in signature.items() if p.default is inspect.Parameter.empty and n not in kwargs]
    if missing:
        raise SpecError(f"{family} needs {' and '.join(missing)}, e.g. {EXAMPLES[family]}", spec,
                        len(spec.rstrip()) - 1)
    try:
        return constructor(**kwargs)
    except SpecError as err:
        arg = where.get(err.keyword)
        if arg is None:
            position = len(spec.rstrip()) - 1
        elif err.index is not None and err.index < len(arg.entry_positions):
            position = arg.entry_positions[err.index]
        else:
            position = arg.position
        raise err.located(spec, position) from None


__all__ = [
    "FAMILIES",
    "LCN",
    "MLP",
    "PCNN",
    "Architecture",
    "Attention",
    "Linear",
    "Parametrization",
    "SymmetryGroup",
    "ResNet",
    "ReLU",
    "relu",
    "resnet",
    "Conserved",
    "FactorForm",
    "LastLayers",
    "MatrixForm",
    "Subnetwork",
    "TensorForm",
    "WaringForm",
    "attention",
    "lcn",
    "linear",
    "mlp",
    "parse",
    "pcnn",
]
