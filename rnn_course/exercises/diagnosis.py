"""Naming the likely cause of a wrong answer or an error, for any exercise, in the learner's terms.

The catalogue of an exercise (``Exercise.mistakes``) names the mistakes its author foresaw. This
module is the fallback that needs no catalogue, so that a mistake nobody wrote down still gets a
cause instead of "wrong values" or a raw torch error:

* ``explain_error``: a torch or Python error message, read as a cause. Sizes in the message are
  named with the case's letters (a case labelled "L=4, N=3, H=5" turns "(4) must match (3)" into
  "L=4 against N=3"), which is why every exercise's cases use distinct sizes.
* ``explain_answer``: a wrong answer compared with torch's, looking for a relation between them:
  the opposite sign, a constant factor (named: "a factor of N"), reversed or shifted along an axis,
  the right numbers in another layout (reshape instead of transpose), right at some positions of an
  axis only (only the first sequence in the batch, only the forward half), an extra or missing axis,
  half an axis kept, one entry of the answer (or of an input) in place of the whole, or the mean or
  sum of one over an axis.

Everything here runs in the checker's own process, on plain data only, and never prints a value.
"""

import itertools
import re

import torch

# ---------------------------------------------------------------------------------------------
# Sizes and their letters
# ---------------------------------------------------------------------------------------------


def size_names(case):
    """{size: [names]} from a case's label ("N=3, L=4, H_in=2, H=5"), the axes of its shapes
    ("(L, N, D*H)"), its ``named_sizes`` ("4*H") and L + 1 (a sequence with h0 kept). A size with two
    names is ambiguous: ``letter`` and ``shape_in_letters`` then give the number, not a letter. A
    flattened pair of axes (L*N) is named only where no other reading has its size, twice an axis (two
    pieces joined along it) included. Sizes 0 and 1 are
    never named: they say nothing about which axis is which."""
    dims = _dims(case)
    names = {}
    for name, value in dims.items():
        names.setdefault(value, []).append(name)
    derived = [axis for shape in case.shapes for axis in _axes(shape)]
    derived += list(getattr(case, "named_sizes", ()))
    for axis in derived:
        value = _evaluate(axis, dims)
        if value is not None and axis not in names.get(value, []):
            names.setdefault(value, []).append(axis)
    if "L" in dims and "L + 1" not in names.get(dims["L"] + 1, []):
        names.setdefault(dims["L"] + 1, []).append("L + 1")
    pairs = {}
    for (a, x), (b, y) in itertools.combinations(dims.items(), 2):
        if x > 1 and y > 1:
            pairs.setdefault(x * y, []).append(f"{a}*{b}")
    doubled = {2 * x for x in dims.values()}  # two pieces of one axis joined (2*L: two sequences)
    for value, found in pairs.items():
        if value not in names and value not in doubled:  # two pairs of one size stay ambiguous
            names[value] = found
    return {value: found for value, found in names.items() if value > 1}


def _dims(case):
    """{letter: size} from a case's label, with D from a bidirectional flag."""
    dims = {
        name: int(value)
        for name, value in re.findall(r"\b([A-Za-z_]\w*)=(\d+)(?![.\d])", case.label)
    }
    flag = re.search(r"\bbidirectional=(True|False)\b", case.label)
    if flag and "D" not in dims:  # the number of directions, which axes such as D*H are written in
        dims["D"] = 2 if flag[1] == "True" else 1
    return dims


def answer_shape_in_letters(shape, expected_shape, symbolic, case):
    """Letters for a wrong answer's ``shape``, or None. Where the expected axis has a length the run
    decides (T, the tokens drawn before an end token), a size other than its own gets no letter:
    any letter it happens to equal would be a coincidence, not a reading."""
    axes, dims = _axes(symbolic), _dims(case)
    if len(axes) == len(shape) == len(expected_shape) and any(
        _evaluate(axis, dims) is None and size != wanted
        for axis, size, wanted in zip(axes, shape, expected_shape)
    ):
        return None
    return shape_in_letters(shape, size_names(case))


def _axes(shape):
    """['L', 'N', 'D*H'] from '(L, N, D*H)'; [] for '' or '()'."""
    inner = shape.strip().removeprefix("(").removesuffix(")")
    return [axis.strip() for axis in inner.split(",") if axis.strip()]


def _evaluate(axis, dims):
    """The size of an axis written as 'H', '2*H', 'D*num_layers' or 'max_len + 1', or None."""
    if "+" in axis:
        terms = [_evaluate(term, dims) for term in axis.split("+")]
        return None if None in terms else sum(terms)
    value = 1
    for factor in axis.split("*"):
        factor = factor.strip()
        if factor.isdigit():
            value *= int(factor)
        elif factor in dims:
            value *= dims[factor]
        else:
            return None
    return value


def name_size(value, names):
    """'N=3', '3 (N or num_layers)', or '3' when no letter has that size."""
    found = names.get(value, [])
    if len(found) == 1:
        return f"{found[0]}={value}"
    if found:
        return f"{value} ({' or '.join(found)})"
    return str(value)


def letter(value, names):
    """'N' when exactly one letter has this size, else the number itself."""
    found = names.get(value, [])
    return found[0] if len(found) == 1 else str(value)


def shape_in_letters(shape, names):
    """'(N, L, H)' for a shape whose sizes all have one letter each, else None."""
    letters = [letter(size, names) for size in shape]
    if not shape or any(part.isdigit() for part in letters):
        return None
    return "(" + ", ".join(letters) + ")"


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

_DTYPE_PATTERNS = (
    r"expected m1 and m2 to have the same dtype, but got: (?P<a>[\w ]+) != (?P<b>[\w ]+)",
    r"must have the same dtype, but got (?P<a>\w+) and (?P<b>\w+)",
    r"expected scalar type (?P<a>\w+) but found (?P<b>\w+)",
    r"Found dtype (?P<a>\w+) but expected (?P<b>\w+)",
    r"expected both vectors to have same dtype, but found (?P<a>\w+) and (?P<b>\w+)",
    r"result type (?P<a>\w+) can't be cast to the desired output type (?P<b>\w+)",
    r"expected (?:\w+ )*dtype (?P<a>\w+) (?:for|but)(?P<b>.*)",
)
_FLOAT_NAMES = ("float", "Float", "double", "Double", "Half", "BFloat16")


def message_of(detail):
    """The exception's own message from an Outcome detail 'Type: message (in your code: `...`)'."""
    body = detail.partition(": ")[2] if ": " in detail.split(" (in your code:")[0] else ""
    return body.split(" (in your code: `")[0].strip()


def exception_type(detail):
    """'RuntimeError' from 'RuntimeError: mat1 and mat2 ...'."""
    return detail.partition(":")[0].partition(" (")[0].strip()


def is_dtype_error(detail):
    """Whether an error is float32 meeting float64 (a tensor made without ``dtype=`` in float64 work)."""
    message = message_of(detail)
    for pattern in _DTYPE_PATTERNS:
        match = re.search(pattern, message)
        if match and sum(any(f in part for f in _FLOAT_NAMES) for part in match.groups()) == 2:
            return True
    return False


def error_signature(detail):
    """(exception type, kind of message, sorted sizes in it): two errors with the same signature
    are the same mistake seen from two pieces of code written differently. A matrix product keeps
    its two operands apart (each one's sizes sorted, so `W @ x.T` and `x @ W.T` still agree): (3x5
    and 4x5) and (3x4 and 5x5) hold the same sizes but are two different mistakes."""
    message = message_of(detail)
    kind = _kind(message) or re.sub(r"\d+", "#", message)[:80]
    sizes = tuple(sorted(map(int, re.findall(r"\d+", message))))
    operands = re.search(r"\((\d+)x(\d+) and (\d+)x(\d+)\)", message)
    if kind == "matmul" and operands:
        a, b, c, d = map(int, operands.groups())
        sizes = tuple(sorted((tuple(sorted((a, b))), tuple(sorted((c, d))))))
    return exception_type(detail), kind, sizes


def is_specific(detail):
    """Whether an error says enough to stand as evidence on its own: a known kind that names sizes."""
    _, kind, sizes = error_signature(detail)
    return kind in _KINDS and len(sizes) >= 2


def _kind(message):
    for kind, pattern, _ in _ERRORS:
        if re.search(pattern, message):
            return kind
    return None


FLOAT32_MODULE = (
    "an nn.RNN (or other torch.nn module) you build has float32 parameters, torch's default, while "
    "the inputs are float64: convert it with .double() or .to(x.dtype) before you use it"
)

DTYPE_CAUSE = (
    "a tensor you create is float32 (torch's default) while the inputs are float64: make new "
    "tensors with dtype=x.dtype, or with torch.zeros_like / x.new_zeros, which copy the dtype"
)


def _dtype(m, names):
    parts = " ".join(g for g in m.groups() if g)
    if any(word in parts for word in ("Long", "long", "Int", "int")):
        return (
            "an integer tensor (int64) meets a floating-point one: indices and class labels are integers, "
            "the values you compute with are float64; convert with .to(x.dtype) where a number is meant"
        )
    return DTYPE_CAUSE


def _matmul(m, names):
    a, b, c, d = (int(v) for v in m.groups())
    return (
        f"a matrix product meets ({name_size(a, names)}, {name_size(b, names)}) @ ({name_size(c, names)}, "
        f"{name_size(d, names)}): the inner sizes must agree. Check that each weight meets the tensor it "
        "belongs to, and whether it needs its transpose (.T)"
    )


def _broadcast(m, names):
    a, b = int(m["a"]), int(m["b"])
    pair = {letter(a, names), letter(b, names)}
    stacked = [p for p in pair if re.fullmatch(r"\d+\*\w+", p) and p.split("*")[1] in pair]
    if stacked:
        return (
            f"a term that should be one block ({name_size(min(a, b), names)} wide) is the whole stack of "
            f"blocks ({name_size(max(a, b), names)}): the stack was not split into its blocks, or was split "
            "along another axis (chunk and split cut axis 0 unless given dim=1)"
        )
    if pair == {"L", "N"}:
        return (
            "two sizes that must agree are the number of time steps "
            f"({name_size(_size_of('L', a, b, names), names)}) and the batch size "
            f"({name_size(_size_of('N', a, b, names), names)}): somewhere time and batch are swapped, e.g. "
            "an index or a loop over the wrong axis, or batch-first data read as time-major (or the reverse)"
        )
    return (
        f"two tensors combined element by element disagree on one axis: {name_size(a, names)} against "
        f"{name_size(b, names)}. One term has the wrong shape: write down the shape of each"
    )


def _index_broadcast(m, names):
    if {letter(int(m["a"]), names), letter(int(m["b"]), names)} == {"L", "N"}:
        return _broadcast(m, names)
    return (
        f"the index tensors you use together have different lengths, {name_size(int(m['a']), names)} "
        f"against {name_size(int(m['b']), names)}: each must hold one entry per row you pick"
    )


def _size_of(wanted, a, b, names):
    return a if letter(a, names) == wanted else b


def _expanded(m, names):
    a, b = int(m["a"]), int(m["b"])
    return (
        f"you store a tensor into a place of another shape ({name_size(b, names)} where "
        f"{name_size(a, names)} fits): check the shape of what you assign and of the slice it goes into"
    )


def _index(m, names):
    index, size = int(m["i"]), int(m["s"])
    longer = sorted(
        {n for value, found in names.items() if value > index for n in found if n.isidentifier()}
    )
    if longer:  # a valid position of another axis: a wrong axis fits as well as a wrong index
        return (
            f"index {index} is past the end of an axis of size {name_size(size, names)}, yet it is a "
            f"position of a longer axis ({', '.join(longer)}): either the index is off by one "
            "(positions count from 0) or it is used on the wrong axis (a tensor in another layout, or "
            "the wrong dim): check which axis you index before you change the index"
        )
    hint = " (off by one: positions count from 0)" if index == size else ""
    return (
        f"index {index} is past the end of an axis of size {name_size(size, names)}{hint}: "
        "check which axis you index and how far the loop runs"
    )


def _stacked_shapes(m, names):
    first, second = (
        tuple(int(v) for v in part.split(",") if v.strip()) for part in (m["a"], m["b"])
    )
    shown = [
        "(" + ", ".join(name_size(v, names) if v > 1 else str(v) for v in shape) + ")"
        for shape in (first, second)
    ]
    return (
        f"torch.stack joins tensors of one shape only, and yours differ: {shown[0]} against "
        f"{shown[1]}. Tensors that have different shapes by nature (the gradients of different "
        "parameters, say) cannot be stacked as they are: each must first become one flat axis, and "
        "flat pieces of different lengths are joined end to end with cat. If instead the pieces are "
        "cut from one tensor, one is cut from a different part of an axis or sized from the wrong number"
    )


def _unpacked(m, names):
    want, got = int(m["want"]), int(m["got"])
    if letter(got, names).isidentifier():
        return (
            f"you unpack {want} pieces from something with {name_size(got, names)} along the axis you split "
            "or iterate: chunk, split, unbind and a for loop cut axis 0 unless told which dim; the "
            f"{want} pieces you want lie along another axis (dim=)"
        )
    return (
        "an unpacking expects another number of values than it gets (iterating a tensor walks its "
        "first axis; unpacking x.shape needs one name per axis)"
    )


_POSITION_AXES = {"N", "L", "S", "T", "1"}  # what cross_entropy's axis 0 counts: positions


def _positions_only(names):
    """``names`` with only the sizes that count positions (N, L, N*L...): a count of real positions
    (sum(lengths), packed) may equal V or H by chance, and is not V or H."""
    kept = {}
    for value, found in names.items():
        positions = [n for n in found if set(re.findall(r"[A-Za-z_]+|\d+", n)) <= _POSITION_AXES]
        if positions:
            kept[value] = positions
    return kept


def _batch_sizes(m, names):
    a, b = int(m["a"]), int(m["b"])
    names = _positions_only(names)
    return (
        f"F.cross_entropy pairs the scores' axis 0 ({name_size(a, names)}) with the targets' axis 0 "
        f"({name_size(b, names)}): the targets must be laid out like the scores without their class "
        "axis, so an axis moved in the scores (permute, transpose) must move in the targets too"
    )


def _target_size(m, names):
    want = ", ".join(letter(int(v), names) for v in m["want"].split(", "))
    got = ", ".join(letter(int(v), names) for v in m["got"].split(", "))
    return (
        f"F.cross_entropy reads the classes from axis 1 of the scores, so it wanted targets ({want}) and got "
        f"({got}): scores with the classes on their last axis must be rearranged or flattened first"
    )


_ERRORS = (
    ("dtype", "|".join(re.sub(r"\?P<\w>", "", p) for p in _DTYPE_PATTERNS), _dtype),
    (
        "matmul",
        r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)",
        _matmul,
    ),
    (
        "broadcast",
        r"size of tensor a \((?P<a>\d+)\) must match the size of tensor b \((?P<b>\d+)\)",
        _broadcast,
    ),
    (
        "expand",
        r"expanded size of the tensor \((?P<a>\d+)\) must match the existing size \((?P<b>\d+)\)",
        _expanded,
    ),
    (
        "index",
        r"index (?P<i>-?\d+) is out of bounds for dimension \d+ with size (?P<s>\d+)",
        _index,
    ),
    (
        "target size",
        r"Expected target size \[(?P<want>[\d, ]+)\], got \[(?P<got>[\d, ]+)\]",
        _target_size,
    ),
    (
        "target dtype",
        r"expected target dtype to be Long",
        lambda m, n: "the targets must be class indices (int64), not floating-point numbers",
    ),
    (
        "target range",
        r"Target -?\d+ is out of bounds",
        lambda m, n: (
            "a target class is not below the number of classes on axis 1 of the scores: are the classes "
            "on the axis F.cross_entropy reads them from (axis 1)?"
        ),
    ),
    (
        "unpack",
        r"not enough values to unpack \(expected (?P<want>\d+), got (?P<got>\d+)\)",
        _unpacked,
    ),
    (
        "vector",
        r"size mismatch, got input \(\d+\), mat \(\d+x\d+\), vec \(\d+\)",
        lambda m, n: (
            "a matrix-vector product whose sizes do not fit: check which weight and which vector meet"
        ),
    ),
    (
        "batched matmul",
        r"Expected size for first two dimensions of batch2 tensor",
        lambda m, n: (
            "a batched matrix product whose sizes do not fit: check the order of the operands"
        ),
    ),
    (
        "stack shapes",
        r"stack expects each tensor to be equal size, but got \[(?P<a>[\d, ]*)\] at entry \d+ and "
        r"\[(?P<b>[\d, ]*)\]",
        _stacked_shapes,
    ),
    (
        "stack",
        r"stack expects each tensor to be equal size",
        lambda m, n: (
            "the tensors you stack differ in shape: write down the shape of each piece you stack"
        ),
    ),
    (
        "empty stack",
        r"stack expects a non-empty TensorList",
        lambda m, n: (
            "torch.stack got an empty list: the loop that fills it never ran (check its range, e.g. "
            "with L = 1)"
        ),
    ),
    (
        "module dtype",
        r"input dtype \(torch\.float64\) does not match weight dtype \(torch\.float32\)",
        lambda m, n: FLOAT32_MODULE,
    ),
    (
        "batch sizes",
        r"Expected input batch_size \((?P<a>\d+)\) to match target batch_size \((?P<b>\d+)\)",
        _batch_sizes,
    ),
    (
        "index broadcast",
        r"indexing tensors could not be broadcast together with shapes \[(?P<a>\d+)\], \[(?P<b>\d+)\]",
        _index_broadcast,
    ),
    (
        "gather axes",
        r"Index tensor must have the same number of dimensions as input tensor",
        lambda m, n: (
            "gather needs an index with as many axes as the tensor it reads: to pick one class per "
            "position, give the targets a last axis of size 1 (unsqueeze(-1)), then drop it again"
        ),
    ),
    (
        "cat",
        r"Sizes of tensors must match except in dimension",
        lambda m, n: (
            "the tensors you concatenate differ in shape on an axis other than the one you join along"
        ),
    ),
    (
        "reshape",
        r"shape '\[[-\d, ]+\]' is invalid for input of size \d+",
        lambda m, n: (
            "a reshape or view asks for a shape with another number of elements than the tensor has"
        ),
    ),
    (
        "view",
        r"view size is not compatible with input tensor's size and stride",
        lambda m, n: (
            "view() on a transposed (non-contiguous) tensor: use reshape, or .contiguous() first"
        ),
    ),
    (
        "axis",
        r"Dimension out of range|too many indices for tensor of dimension",
        lambda m, n: (
            "you use an axis that the tensor does not have: it has fewer axes than you think (one time "
            "step, or one sequence, has lost an axis)"
        ),
    ),
    (
        "einsum",
        r"einsum\(\)",
        lambda m, n: (
            "the einsum subscripts do not fit the operands: each letter must stand for one size"
        ),
    ),
    (
        "boolean",
        r"Boolean value of Tensor with more than one value is ambiguous",
        lambda m, n: (
            "a tensor with several values is used where Python needs one True or False (if, while, and, "
            "or, or the built-in max and min)"
        ),
    ),
    (
        "scalar",
        r"cannot be converted to Scalar|only one element tensors can be converted",
        lambda m, n: (
            "a tensor with several values is turned into one Python number (.item(), float(), int())"
        ),
    ),
    (
        "no grad",
        r"does not require grad and does not have a grad_fn",
        lambda m, n: (
            "backward() on a result that depends on nothing that requires grad (made under torch.no_grad(), "
            "or from detached tensors)"
        ),
    ),
    (
        "twice",
        r"backward through the graph a second time",
        lambda m, n: "backward() runs twice through the same graph",
    ),
    (
        "in-place grad",
        r"leaf Variable that requires grad is being used in an in-place operation|modified by an "
        r"inplace operation",
        lambda m, n: "a tensor that autograd needs is changed in place: build a new tensor instead",
    ),
    (
        "index dtype",
        r"tensors used as indices must be|Expected dtype int32/int64 for index",
        lambda m, n: "an index tensor must hold integers (int64), not floating-point numbers",
    ),
    (
        "device",
        r"Expected all tensors to be on the same device",
        lambda m, n: "tensors on different devices meet: create new tensors on the inputs' device",
    ),
    (
        "integer mean",
        r"could not infer output dtype",
        lambda m, n: (
            "a mean (or similar) of an integer tensor: convert it to a floating-point dtype first"
        ),
    ),
)
_KINDS = {kind for kind, _, _ in _ERRORS}

_PYTHON_ERRORS = (
    (
        r"^name '(?P<n>\w+)' is not defined",
        lambda m: (
            f"your function uses `{m['n']}`, which is not defined where it runs: a typo, or a helper from "
            "another cell or lesson that has not been run in this notebook"
        ),
    ),
    (
        r"cannot access local variable '(?P<n>\w+)'|local variable '(?P<o>\w+)' referenced before assignment",
        lambda m: (
            f"`{m['n'] or m['o']}` is read before anything is assigned to it (a loop that never runs, or a "
            "branch that does not set it)"
        ),
    ),
    (
        r"unsupported operand type\(s\) for .*: '(?P<a>\w+)' and '(?P<b>\w+)'",
        lambda m: _not_a_tensor(m["a"], m["b"]),
    ),
    (
        r"^'(?P<a>\w+)' object has no attribute '(?P<attr>\w+)'",
        lambda m: _no_attribute(m["a"], m["attr"]),
    ),
    (r"^'(?P<a>\w+)' object is not subscriptable", lambda m: _not_a_tensor(m["a"])),
    (
        r"^'(?P<a>\w+)' object is not callable",
        lambda m: (
            f"something that is not a function is called: a {m['a']} followed by ( ... ), e.g. x.shape(0) "
            "instead of x.shape[0], or a name that now holds a value instead of a function"
        ),
    ),
    (
        r"object is not iterable|cannot unpack non-iterable",
        lambda m: "one value is unpacked or looped over as if it held several",
    ),
    (
        r"not enough values to unpack|too many values to unpack",
        lambda m: (
            "an unpacking expects another number of values than it gets (iterating a tensor walks its "
            "first axis; unpacking x.shape needs one name per axis)"
        ),
    ),
    (
        r"\w+\(\) (?:takes|missing|got an unexpected|received an invalid combination)",
        lambda m: (
            "a function you call gets the wrong number or kind of arguments: check its signature"
        ),
    ),
    (
        r"maximum recursion depth",
        lambda m: (
            "RecursionError: your function calls itself without end"
            " (is a helper named like the exercise calling itself?)"
        ),
    ),
    (
        r"step must be greater than zero",
        lambda m: (
            "a slice with a negative step such as [::-1] works on Python lists but not on torch "
            "tensors: reverse a tensor's time axis with .flip(0) (or walk reversed(range(L)))"
        ),
    ),
    (r"division by zero", lambda m: "a division by zero: a count or a norm can be 0 here"),
    (
        r"list index out of range|tuple index out of range",
        lambda m: "an index runs past the end of a list or tuple: with n items the last is at n-1",
    ),
)


def _not_a_tensor(*type_names):
    for name in type_names:
        if name == "NoneType":
            return (
                "a None is used where a tensor is expected: a helper that does not return its result, or a "
                "variable that is never set"
            )
        if name in ("list", "tuple"):
            return (
                f"a Python {name} is used where a tensor is expected: torch.stack or torch.cat makes one tensor "
                "of a list of tensors, and a function that returns several values gives a tuple"
            )
        if name in ("int", "float"):
            return f"a Python {name} is used where a tensor is expected"
    return None


def _no_attribute(type_name, attribute):
    if type_name in ("NoneType", "list", "tuple", "int", "float"):
        return _not_a_tensor(type_name)
    if type_name == "Tensor":
        return f"tensors have no attribute `{attribute}`: a typo, or a function of torch used as a method"
    if type_name == "dict":
        return f"a dict has no attribute `{attribute}`: its entries are read with params['name']"
    return None


# The error kinds whose reading names one cause well enough to carry its own identifier.
_ERROR_NAMES = {
    "module dtype": "float32_module",
    "batch sizes": "targets_laid_out_unlike_scores",
    "index broadcast": "index_axes_swapped",
    "gather axes": "gather_index_without_class_axis",
    "stack shapes": "stacked_pieces_differ",
    "empty stack": "loop_never_runs",
}


def error_name(detail, case=None):
    """The identifier of the cause ``explain_error`` reads off an error: 'negative_step_slice',
    'float32_module', ... or 'error_as_cause' for the kinds that name no single cause. Index tensors
    of two lengths are named a swap of time and batch only when the lengths are L and N."""
    message = message_of(detail)
    if re.search(r"step must be greater than zero", message):
        return "negative_step_slice"
    if _split_for_chunk(detail):
        return "split_for_chunk"
    kind = _kind(message)
    if kind == "index broadcast" and case is not None:
        sizes = [int(v) for v in re.findall(r"\[(\d+)\]", message)[:2]]
        names = size_names(case)
        if {letter(v, names) for v in sizes} != {"L", "N"}:
            return "error_as_cause"
    return _ERROR_NAMES.get(kind, "error_as_cause")


def _operands(detail):
    """' (in `per * mask`: ...)' when the learner's line holds exactly one element-wise operation
    between two bare names (alone in brackets, an assignment or a return), the two tensors that
    disagree; '' otherwise."""
    line = re.search(r"\(in your code: `(.*)`\)$", detail)
    pattern = r"(?:^|[(=,]|return)\s*([A-Za-z_]\w*)\s*([*+/-])\s*([A-Za-z_]\w*)\s*(?=[),]|$)"
    pairs = re.findall(pattern, line[1]) if line else []
    if len(pairs) != 1:
        return ""
    a, op, b = pairs[0]
    return f" (in `{a} {op} {b}`: write down the shape of `{a}` and of `{b}`, axis by axis)"


def _split_for_chunk(detail):
    """The cause of an unpacking that fails on ``split(k)``: split's k is a piece's size, chunk's k the
    number of pieces; None when the learner's line shows no split."""
    line = re.search(r"\(in your code: `(.*)`\)$", detail)
    message = message_of(detail)
    split = re.search(r"\bsplit\(\s*(?:\w+\s*,\s*)?(\d+)\s*[,)]", line[1]) if line else None
    want = re.search(r"to unpack \(expected (\d+)", message)
    if not (split and want and split[1] == want[1]):
        return None
    k = split[1]
    return (
        f"split({k}) cuts pieces {k} wide, as many as fit, not {k} pieces: chunk({k}) cuts {k} equal "
        f"blocks (or give split the block size)"
    )


def explain_error(detail, case):
    """The likely cause of an error, in the learner's terms, or None."""
    message = message_of(detail)
    names = size_names(case)
    split = _split_for_chunk(detail)
    if split:
        return split
    for kind, pattern, explain in _ERRORS:
        match = re.search(pattern, message)
        if match:
            return explain(match, names) + (_operands(detail) if kind == "broadcast" else "")
    for pattern, explain in _PYTHON_ERRORS:
        match = re.search(pattern, message)
        if match:
            return explain(match)
    if exception_type(detail) == "KeyError":
        return (
            f"a dict is asked for the key {message}, which it does not hold: check how the keys are spelled "
            "and numbered (counting from 0)"
        )
    return None


# ---------------------------------------------------------------------------------------------
# Wrong answers
# ---------------------------------------------------------------------------------------------


def _close(a, b):
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-6, atol=1e-9)


def explain_answer(items, case, arg_names=()):
    """The likely cause of a wrong answer, or None.

    ``items``: (name, expected, got, symbolic shape) for every output of one case, as plain tensors
    (``got`` may be anything); ``arg_names`` name the case's arguments. Only the first wrong output
    is explained.
    """
    names = size_names(case)
    outputs = [(n, e.to(torch.float64), g) for n, e, g, _ in items if isinstance(e, torch.Tensor)]
    in_range = all(e.numel() > 3 and e.abs().max() <= 1 for _, e, _ in outputs)  # e.g. tanh states
    for name, expected, got in outputs:
        if isinstance(got, (list, tuple)) and got and all(isinstance(g, torch.Tensor) for g in got):
            return _pieces(name, expected, got)
        if type(got) in (int, float) and expected.dim() == 0:
            return (
                f"`{name}` is a Python number, not a tensor: .item(), float() or the math module turn a "
                "0-dim tensor into one; return the tensor itself"
            )
        if (
            not isinstance(got, torch.Tensor)
            or not got.is_floating_point()
            and expected.is_floating_point()
        ):
            continue
        got = got.to(torch.float64)
        if _close(got, expected):
            continue
        symbolic = {n: s for n, _, _, s in items}.get(name, "")
        axes = _axis_letters(expected.shape, symbolic, names)
        inputs = _named_inputs(case, arg_names)
        others = [(n, e) for n, e, _ in outputs if n != name] + inputs
        whole = [other for other, tensor in others if _close(got, tensor)]
        if whole:
            return f"`{name}` equals {whole[0] if whole[0].startswith('your') else f'`{whole[0]}`'} itself"
        if in_range and got.shape == expected.shape and got.abs().max() > 1 + 1e-9:
            return (
                _shifted(name, expected, got, axes, names)  # h0 kept as a step's output
                or _picked_from(name, expected, got, inputs)
                or f"`{name}` has values outside (-1, 1), which tanh never gives: the last operation of each step "
                "is not tanh (is it missing, replaced, or is something added after it?)"
            )
        if got.shape == expected.shape:
            return _same_shape(name, expected, got, axes, names, others) or _picked_from(
                name, expected, got, inputs
            )
        return _other_shape(name, expected, got, axes, names, others)
    return None


def _pieces(name, expected, got):
    """A list of tensors where one tensor belongs: say so when joining them gives the answer."""
    for join in (torch.stack, torch.cat):
        try:
            joined = join([g.to(torch.float64) for g in got])
        except RuntimeError:
            continue
        if joined.numel() == expected.numel() and _close(joined.reshape(expected.shape), expected):
            return (
                f"`{name}` is a Python list of tensors holding the right numbers: make one tensor of them "
                "(torch.stack adds a new axis, torch.cat joins along an existing one)"
            )
    return f"`{name}` is a Python list (or tuple) of tensors where one tensor belongs"


def _axis_letters(shape, symbolic, names):
    """A letter for each axis: from the symbolic shape when it has one per axis, else from the sizes."""
    axes = _axes(symbolic)
    if len(axes) == len(shape):
        return axes
    return [letter(size, names) for size in shape]


def _picked_from(name, expected, got, inputs):
    """When every value of the answer is copied from one input and some of the learner's are not:
    the learner computed values (a sum, a mean...) where the answer picks them."""
    if not isinstance(got, torch.Tensor) or got.numel() == 0:
        return None
    for source, tensor in inputs:
        if torch.isin(expected, tensor).all() and not torch.isin(got, tensor).all():
            return (
                f"`{name}` holds values that appear nowhere in {source}: the answer only picks values "
                f"out of it, while yours are computed from them (a sum, a mean, a product?)"
            )
    return None


def _named_inputs(case, arg_names):
    """('your input `x`', tensor) for the tensor arguments of a case, as other candidates to compare with."""
    names = list(arg_names) + [f"argument {i}" for i in range(len(arg_names), len(case.args))]
    found = []
    for name, arg in zip(names, case.args):
        if isinstance(arg, torch.Tensor) and arg.is_floating_point():
            found.append((f"your input `{name}`", arg.to(torch.float64)))
    return found


def _same_shape(name, expected, got, axes, names, others):
    for relation in (
        _zeros,
        _sign,
        _factor,
        _precision,
        _reversed,
        _shifted,
        _layout,
        _permuted,
        _halves,
        _all_like_last,
        _partly_right,
    ):
        message = relation(name, expected, got, axes, names)
        if message:
            return message
    return _slice_of_other(name, got, others, names)


def _zeros(name, expected, got, axes, names):
    if not got.any() and expected.any():
        return f"`{name}` is all zeros: is it computed at all, or only created?"
    return None


def _halves(name, expected, got, axes, names):
    for axis, size in enumerate(expected.shape):
        if size % 2 or "*" not in axes[axis]:
            continue
        halves = [_close(g, e) for g, e in zip(got.chunk(2, axis), expected.chunk(2, axis))]
        if any(halves) and not all(halves):
            right, wrong = ("first", "second") if halves[0] else ("second", "first")
            return (
                f"the {right} half of `{name}` along its {axes[axis]} axis is right and the {wrong} half is "
                "wrong (with two directions the features are [forward | backward])"
            )
    return None


def _sign(name, expected, got, axes, names):
    if _close(got, -expected):
        return f"`{name}` has the opposite sign everywhere: a minus sign is missing or one too many"
    return None


def _factor(name, expected, got, axes, names):
    big = expected.abs() > 1e-6 * max(expected.abs().max().item(), 1e-300)
    if not big.any():
        return None
    ratios = got[big] / expected[big]
    ratio = ratios.median().item()
    if abs(ratio - 1) < 1e-6 or abs(ratio) < 1e-12 or not _close(got, expected * ratio):
        return None
    described = _describe_factor(ratio, names)
    if (
        expected.numel() < 2 and described == _ANY_FACTOR
    ):  # one number is always some factor of another
        return None
    return f"`{name}` is off by a constant factor: {described}"


def _describe_factor(ratio, names):
    for value, words in ((ratio, "times"), (1 / ratio, "divided by")):
        whole = round(value)
        if whole > 1 and abs(value - whole) < 1e-6 * whole:
            size = name_size(whole, names)
            if size != str(whole):
                cause = (
                    "a sum where a mean belongs, or a mean divided by too small a count?"
                    if words == "times"
                    else "a mean where a sum belongs, or a mean divided by too large a count?"
                )
                return f"{words} {size} ({cause})"
            if whole == 2:
                return (
                    "twice what it should be: something is counted twice"
                    if words == "times"
                    else "half what it should be"
                )
            return f"{words} {whole}"
    return _ANY_FACTOR


_ANY_FACTOR = "every value is scaled by the same number"


def _precision(name, expected, got, axes, names):
    scale = expected.abs().max().item()
    error = (got - expected).abs().max().item()
    if scale > 0 and 1e-9 * scale < error < 1e-5 * scale:
        return (
            f"`{name}` is right to about 7 digits only, float32's precision: part of the computation ran in "
            "float32 (a tensor made without dtype=, or .float()); keep everything in the inputs' float64"
        )
    return None


def _reversed(name, expected, got, axes, names):
    for axis, size in enumerate(expected.shape):
        if size > 1 and _close(got, expected.flip(axis)):
            return f"`{name}` holds the right values in reversed order along its {axes[axis]} axis"
    return None


def _shifted(name, expected, got, axes, names):
    for axis, size in enumerate(expected.shape):
        if size < 3:
            continue
        late = _close(got.narrow(axis, 1, size - 1), expected.narrow(axis, 0, size - 1))
        early = _close(got.narrow(axis, 0, size - 1), expected.narrow(axis, 1, size - 1))
        if late and axes[axis] == "L":
            return (
                f"`{name}` is one step late along its L axis: the entry for x_t holds the state after "
                "x_(t-1): either each step stores the state before updating it, or the states start "
                "from h0 and the loop stops one step early, so x_L is never read (compare the last "
                "state you return too)"
            )
        if late or early:
            where = "one position later" if late else "one position earlier"
            return f"`{name}` is shifted by one along its {axes[axis]} axis: each value sits {where} than it should"
    return None


def _layout(name, expected, got, axes, names):
    for order in itertools.permutations(range(expected.dim())):
        if list(order) == sorted(order):
            continue
        moved = expected.permute(order)
        if moved.shape == got.shape and _close(moved, got):
            return _transposed(name, order, axes)
        if _close(moved.reshape(got.shape), got):
            return (
                f"`{name}` holds the right numbers in the wrong places: the axes were rearranged with "
                "reshape or view, which keeps the order of the numbers in memory; swapping axes takes "
                "transpose or permute"
            )
    return None


def _transposed(name, order, axes):
    """The answer is torch's with its axes swapped (possible only where the swapped sizes agree)."""
    swapped = [axes[i] for i, axis in enumerate(order) if axis != i]
    which = f"two {swapped[0]}" if len(set(swapped)) == 1 else " and ".join(swapped)
    return (
        f"`{name}` is torch's answer transposed: its {which} axes are swapped. In a "
        "matrix product, the order of the factors and which of them is transposed decide which axis "
        "comes first: write down the shape each factor has and the shape the result must have"
    )


def _permuted(name, expected, got, axes, names):
    """The right entries along one axis, each at another position of it."""
    for axis, size in enumerate(expected.shape):
        if size < 2:
            continue
        rows = [got.select(axis, i) for i in range(size)]
        places = [[j for j in range(size) if _close(row, expected.select(axis, j))] for row in rows]
        order = [found[0] for found in places if len(found) == 1]
        if len(order) == size and sorted(order) == list(range(size)) and order != sorted(order):
            return (
                f"`{name}` holds torch's entries along its {axes[axis]} axis, but in another order: "
                "check the order in which you index, stack or concatenate them"
            )
    return None


def _all_like_last(name, expected, got, axes, names):
    """Every entry along an axis holds the last entry's values: one tensor stored many times and
    changed in place afterwards."""
    for axis, size in enumerate(expected.shape):
        last = expected.select(axis, -1)
        if size < 2 or _close(expected.select(axis, 0), last):
            continue
        if all(_close(got.select(axis, i), last) for i in range(size)):
            return (
                f"every entry of `{name}` along its {axes[axis]} axis holds the last entry's values: the "
                "same tensor is stored at every step and changed in place afterwards (+=, [...] =, a method "
                "ending in _), or the final value is stored at every position: store a new tensor at each step"
            )
    return None


def _partly_right(name, expected, got, axes, names):
    for axis, size in enumerate(expected.shape):
        if size < 2:
            continue
        right = [_close(got.select(axis, i), expected.select(axis, i)) for i in range(size)]
        if any(right) and not all(right):
            return _where_right(name, axes[axis], right, expected.shape[axis])
    return None


def _where_right(name, axis, right, size):
    count = sum(right)
    if axis == "N" and right[0] and count == 1:
        return (
            f"only the first sequence in the batch is right in `{name}`: something that belongs to each "
            "sequence is taken from the first one for all of them (e.g. one row broadcast over the batch)"
        )
    if axis == "L" and right == [True] * count + [False] * (size - count):
        return (
            f"`{name}` is right for the first {count} time step{'s' if count > 1 else ''} and wrong after: "
            "look at what one step hands on to the next"
        )
    if axis == "L" and right == [False] * (size - count) + [True] * count:
        return f"`{name}` is right only for the last {count} time step{'s' if count > 1 else ''}"
    if right[0] and count == 1:
        return (
            f"only the first entry of `{name}` along its {axis} axis is right: look at what the later "
            "entries take from the first"
        )
    return f"`{name}` is right at some positions along its {axis} axis and wrong at others"


def _slice_of_other(name, got, others, names):
    """`name` is (or holds exactly the numbers of) one entry of another output or of an input."""
    for other, tensor in others:
        shown = other if other.startswith("your") else f"`{other}`"
        if _close(got, tensor):
            return f"`{name}` equals {shown} itself"
        for axis in range(tensor.dim()):
            for index in (0, -1):
                if tensor.shape[axis] < 2:
                    continue
                part = tensor.select(axis, index)
                end = "first" if index == 0 else "last"
                size = name_size(tensor.shape[axis], names)
                where = f"the {end} entry of {shown} along its axis {axis} ({size})"
                if _close(got, part):
                    return f"`{name}` equals {where}"
                if _same_numbers(got, part):
                    return f"`{name}` holds exactly the numbers of {where}, arranged differently"
    return _pooled(name, got, others, names)


def _pooled(name, got, others, names):
    """`name` is the mean or the sum of another output or an input over one of its axes: an average
    (or a total) where one entry of that axis belongs."""
    for other, tensor in others:
        shown = other if other.startswith("your") else f"`{other}`"
        for axis in range(tensor.dim()):
            if tensor.shape[axis] < 2:
                continue
            size = name_size(tensor.shape[axis], names)
            for pool, words in ((tensor.mean, "mean"), (tensor.sum, "sum")):
                if _close(got, pool(axis)):
                    return (
                        f"`{name}` is the {words} of {shown} over its axis {axis} ({size}): "
                        f"{'an average' if words == 'mean' else 'a total'} where one entry of that "
                        "axis belongs (or the wrong axis reduced)"
                    )
    return None


def _same_numbers(a, b):
    """The same values, in any order and shape."""
    if a.numel() != b.numel() or a.numel() < 2:
        return False
    return torch.allclose(
        a.flatten().sort().values, b.flatten().sort().values, rtol=1e-6, atol=1e-9
    )


def _other_shape(name, expected, got, axes, names, others):
    if (
        got.dim() != expected.dim()  # the same number of axes: an axis of size 1 moved, read below
        and got.squeeze().shape == expected.squeeze().shape
        and _close(got.squeeze(), expected.squeeze())
    ):
        if got.dim() > expected.dim():
            return (
                f"`{name}` has the right values but an extra axis of size 1 (an unsqueeze, or "
                "torch.stack where torch.cat belongs)"
            )
        return (
            f"`{name}` has the right values but a missing axis of size 1 (torch.stack adds an axis; "
            "torch.cat, an integer index or squeeze do not)"
        )
    merged = _merged(name, expected, got, axes)
    if merged:
        return merged
    moved = _halves_moved(name, expected, got, axes)
    if moved:
        return moved
    diagonal = _diagonal(name, expected, got, axes)
    if diagonal:
        return diagonal
    if sorted(got.shape) == sorted(expected.shape) and got.dim() <= 4:
        for order in itertools.permutations(range(expected.dim())):
            if _close(expected.permute(order), got):
                mine = ", ".join(axes[i] for i in order)
                return (
                    f"`{name}` has the right values with its axes in another order:"
                    f" ({mine}) instead of ({', '.join(axes)}): check the axis along which you stack "
                    "or join its pieces, and any transpose"
                )
    if got.numel() == expected.numel() and _close(got.reshape(expected.shape), expected):
        return f"`{name}` has the right values in the wrong shape"
    if _same_numbers(got, expected):
        return f"`{name}` holds exactly the right numbers, but arranged in another shape"
    narrowed = _narrowed(name, expected, got, axes)
    if narrowed:
        return narrowed
    for axis, size in enumerate(expected.shape):
        for index in range(size) if size > 1 else ():
            if _close(got, expected.select(axis, index)):
                return (
                    f"`{name}` holds only one entry (index {index}) of the {axes[axis]} axis: the exercise wants "
                    f"every one, ({', '.join(axes)})"
                )
    for axis, size in enumerate(got.shape):
        for index in (0, -1) if size > 1 else ():
            if _close(got.select(axis, index), expected):
                return (
                    f"`{name}` has an extra axis (axis {axis}, size {name_size(size, names)}):"
                    " torch's answer is one entry of it"
                )
    return _slice_of_other(name, got, others, names)


def _merged(name, expected, got, axes):
    """Two neighbouring axes joined into one (torch.cat where torch.stack belongs), values in place."""
    for axis in range(expected.dim() - 1):
        shape = (
            expected.shape[:axis]
            + (expected.shape[axis] * expected.shape[axis + 1],)
            + expected.shape[axis + 2 :]
        )
        if got.shape == shape and _close(expected.reshape(shape), got):
            return (
                f"`{name}` joins its {axes[axis]} and {axes[axis + 1]} axes into one: torch.cat joins "
                "along an existing axis, torch.stack makes the new one"
            )
    return None


def _halves_moved(name, expected, got, axes):
    """The two halves of a D*H axis ([forward | backward]) joined along another axis."""
    for axis, size in enumerate(expected.shape):
        if size % 2 or "*" not in axes[axis]:
            continue
        halves = expected.chunk(2, axis)
        for other in range(expected.dim()):
            joined = torch.cat(halves, other)
            if other != axis and joined.shape == got.shape and _close(joined, got):
                return (
                    f"`{name}` joins the two halves of its {axes[axis]} axis (with two directions, "
                    f"[forward | backward]) along its {axes[other]} axis: join them along the "
                    f"{axes[axis]} axis (the feature axis, dim=-1)"
                )
    return None


def _diagonal(name, expected, got, axes):
    """An extra axis whose diagonal is torch's answer: every row paired with every index."""
    if got.dim() != expected.dim() + 1:
        return None
    for a, b in itertools.combinations(range(got.dim()), 2):
        if got.shape[a] != got.shape[b] or got.shape[a] < 2:
            continue
        diagonal = got.diagonal(dim1=a, dim2=b).movedim(-1, a)
        if diagonal.shape == expected.shape and _close(diagonal, expected):
            return (
                f"`{name}` has an extra axis, and torch's answer is its diagonal (entry [i, i]): each "
                "row takes the indices of every row where it needs only its own; pair each row with its "
                "own index (for example torch.arange with the index tensor)"
            )
    return None


def _narrowed(name, expected, got, axes):
    """One axis too short or too long, with the overlapping part right: a loop that stops early or a
    slice that takes too much."""
    if got.dim() != expected.dim():
        return None
    differ = [a for a in range(got.dim()) if got.shape[a] != expected.shape[a]]
    if len(differ) != 1:
        return None
    axis = differ[0]
    short, long_ = (got, expected) if got.shape[axis] < expected.shape[axis] else (expected, got)
    size = short.shape[axis]
    if size == 0:
        return None
    first = _close(short, long_.narrow(axis, 0, size))
    last = _close(short, long_.narrow(axis, long_.shape[axis] - size, size))
    if not (first or last):
        return None
    which = "first" if first else "last"
    if short is got and 2 * size == long_.shape[axis] and "*" in axes[axis]:
        return (
            f"`{name}` holds only the {which} half of its {axes[axis]} axis: with two directions the "
            "features are [forward | backward], and the other direction's half is missing"
        )
    if short is got and size == 1:
        return (
            f"`{name}` keeps only the {which} entry of its {axes[axis]} axis: an index of size 1 on that "
            "axis (such as gather's index) that is not expanded over it, or a slice that is too short"
        )
    if short is got and 2 * size == long_.shape[axis]:
        return (
            f"`{name}` holds only the {which} half of its {axes[axis]} axis: a size divided by 2, a "
            "slice to half the axis or a loop that stops halfway, where the whole axis belongs; check "
            "where that size comes from"
        )
    if short is got:
        return (
            f"`{name}` has too few entries along its {axes[axis]} axis, and the ones it has are torch's {which} "
            "ones: a loop that stops early, or a slice that is too short?"
        )
    where = "before" if which == "last" else "after"
    if which == "last" and long_.shape[axis] == size + 1 and axes[axis] == "L":
        return (
            f"`{name}` has one entry too many along its L axis, before the L right ones: it holds the "
            "states after reading x_1..x_L, L of them, so the initial state (h0), where the loop "
            "starts, is collected in it too"
        )
    times = long_.shape[axis] // size
    if long_.shape[axis] == times * size and times > 1:
        many = "twice" if times == 2 else f"{times} times"
        return (
            f"`{name}` has {many} the entries it should along its {axes[axis]} axis, and its "
            f"{which} ones are right: the others come {where} them, as when a list that collects the "
            "entries of one pass is not started afresh for the next pass (each layer, say)"
        )
    return (
        f"`{name}` has too many entries along its {axes[axis]} axis; its {which} ones are right and "
        f"the extra ones come {where} them: check where the entries along that axis are collected "
        "and how far that goes"
    )
