"""The LSTM cell's backward pass, by hand: ``lstm_cell_backward`` (lesson 12).

torch's answer comes from autograd through nn.LSTMCell in float64. The learner returns a dict of
seven gradients, keyed like the inputs they belong to: ``x``, ``h``, ``c``, ``weight_ih``,
``weight_hh``, ``bias_ih``, ``bias_hh``. The catalogue is one correct computation, ``_backward``,
whose parts (how a slope is taken, which roads reach c, how the weights' gradients are formed) are
swapped one at a time for the wrong part a learner is likely to write.
"""

import torch
import torch.nn.functional as F
from torch import nn

from .cases import dims_label, generator, randn
from .registry import Case, Exercise, Mistake, register, variant

_GRAD_NAMES = ("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
_ORDER = "ifgo"  # torch's rows of weight_ih and weight_hh


def _gate_order(order):
    """``order`` if it is an order of the four gates i, f, g, o; a ValueError otherwise (at import,
    so that a misspelt order cannot pass for a mistake)."""
    if sorted(order) != sorted(_ORDER):
        raise ValueError(f"{order!r} is not an order of the gates {_ORDER!r}")
    return order


# (N, H_in, H): N=1 included; N, H_in, H, 2H, 3H and 4H all different in every case, so a swapped
# axis cannot hide and a size printed in a message has one reading.
_SHAPES = [(3, 5, 2), (1, 3, 4), (2, 7, 3), (4, 6, 5)]


def _torch_grads(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
    """torch's answer for any arguments: autograd through nn.LSTMCell, a dict of seven gradients."""
    cell = nn.LSTMCell(x.shape[1], h.shape[1], dtype=x.dtype)
    cell.load_state_dict(
        {"weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih, "bias_hh": bias_hh}
    )
    leaves = [t.clone().requires_grad_() for t in (x, h, c)]
    h_next, c_next = cell(leaves[0], (leaves[1], leaves[2]))
    # the gradients of this objective w.r.t. h_next and c_next are grad_h_next and grad_c_next
    objective = (h_next * grad_h_next).sum() + (c_next * grad_c_next).sum()
    wrt = [*leaves, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    return dict(zip(_GRAD_NAMES, torch.autograd.grad(objective, wrt)))


def _grads_with(act):
    """torch's gradients through autograd with each nonlinearity computed as act(site, function, a),
    and each product as act(site, "product", (a, b, a_in, b_in)): with torch's tanh, sigmoid and
    a * b it is ``_torch_grads``; the diagnosis swaps one slope or one product's partners for wrong ones."""

    def solve(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, grad_c_next):
        leaves = [
            t.clone().requires_grad_() for t in (x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        ]
        x, h, c, weight_ih, weight_hh, bias_ih, bias_hh = leaves
        a_i, a_f, a_g, a_o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=1)
        i, f, g, o = (act(gate, _SITES[gate], a) for gate, a in zip("ifgo", (a_i, a_f, a_g, a_o)))
        c_next = act("f * c", "product", (f, c, a_f, None)) + act(
            "i * g", "product", (i, g, a_i, a_g)
        )
        tanh_c = act("c_next", "tanh", c_next)
        h_next = act("o * tanh(c_next)", "product", (o, tanh_c, a_o, c_next))  # (N, H)
        objective = (h_next * grad_h_next).sum() + (c_next * grad_c_next).sum()
        return dict(zip(_GRAD_NAMES, torch.autograd.grad(objective, leaves)))

    return solve


# Each nonlinearity, and each product of two factors, as act(site, "product", (a, b, what a is
# computed from, what b is computed from)): the diagnosis changes which partner a factor's gradient takes.
_SITES = {
    "i": "sigmoid",
    "f": "sigmoid",
    "g": "tanh",
    "o": "sigmoid",
    "c_next": "tanh",
    "f * c": "product",
    "i * g": "product",
    "o * tanh(c_next)": "product",
}


def _case(seed, n, input_size, hidden_size):
    gen = generator(seed)
    x, h, c = randn(gen, n, input_size), randn(gen, n, hidden_size), randn(gen, n, hidden_size)
    rows = 4 * hidden_size
    weights = (
        randn(gen, rows, input_size, scale=0.6),  # weight_ih (4H, H_in)
        randn(gen, rows, hidden_size, scale=0.6),  # weight_hh (4H, H)
        randn(gen, rows, scale=0.6),  # bias_ih (4H,)
        randn(gen, rows, scale=0.6),  # bias_hh (4H,)
    )
    grads_in = randn(gen, n, hidden_size), randn(gen, n, hidden_size)  # grad_h_next, grad_c_next
    args = (x, h, c, *weights, *grads_in)
    shapes = ("(N, H_in)", "(N, H)", "(N, H)", "(4*H, H_in)", "(4*H, H)", "(4*H,)", "(4*H,)")
    label = dims_label(N=n, H_in=input_size, H=hidden_size)
    return Case(args, _torch_grads(*args), label, shapes, ("4*H",))


def _cases():
    return [_case(1250 + i, *shape) for i, shape in enumerate(_SHAPES)]


# ---------------------------------------------------------------------------------------------
# The correct computation, in parts
# ---------------------------------------------------------------------------------------------


def _sigmoid_slope(s):
    """sigma'(a) written with sigma's output s = sigma(a)."""
    return s * (1 - s)


def _tanh_slope(t):
    """tanh'(a) written with tanh's output t = tanh(a)."""
    return 1 - t * t


def _into_c(grad_h_next, grad_c_next, o, tanh_c, tanh_slope):
    """dL/dc_next, (N, H): the road from later steps plus the road through h_next = o * tanh(c_next)."""
    return grad_c_next + grad_h_next * o * tanh_slope(tanh_c)


def _old_state(c, c_next):
    """What f multiplies in c_next = f * c + i * g: the old cell state."""
    return c


def _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh, order):
    """The four (N, H) blocks of the pre-activation, named i, f, g, o, read in ``order``."""
    blocks = (F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)).chunk(4, dim=1)
    return {gate: blocks[order.index(gate)] for gate in _ORDER}


def _old_c_grad(grad_c, f, grad_c_next):
    """dL/dc, (N, H): c reaches c_next = f * c + i * g through f alone."""
    return grad_c * f


def _weight_grads(delta, x, h):
    """delta (N, 4H) -> weight_ih's gradient (4H, H_in) and weight_hh's (4H, H)."""
    return delta.T @ x, delta.T @ h


def _bias_grad(delta):
    """delta (N, 4H) -> (4H,): a bias is added to every row, so its gradient sums the rows."""
    return delta.sum(0)


def _input_grads(delta, weight_ih, weight_hh):
    """delta (N, 4H) -> the gradients of x (N, H_in) and h (N, H)."""
    return delta @ weight_ih, delta @ weight_hh


def _backward(
    x,
    h,
    c,
    weight_ih,
    weight_hh,
    bias_ih,
    bias_hh,
    grad_h_next,
    grad_c_next,
    *,
    order=_ORDER,
    stack_order=_ORDER,
    sigmoid_slope=_sigmoid_slope,
    tanh_slope=_tanh_slope,
    into_c=_into_c,
    forget_reads=_old_state,
    weight_grads=_weight_grads,
    bias_grad=_bias_grad,
    input_grads=_input_grads,
    old_c_grad=_old_c_grad,
    slope_cell=lambda c, c_next: c_next,
    own_factor=False,
    o_reads=lambda grad_h_next, grad_c: grad_h_next,
    o_partner=lambda c, c_next: c_next,
):
    """The seven gradients of one LSTM step (shapes as the inputs'), computed by hand.

    Every keyword is a part a catalogued mistake replaces: ``order`` the gate order the rows are
    read in, ``stack_order`` the order the gates' gradients are stacked in,
    ``forget_reads`` which cell state f's gradient is taken with, ``slope_cell`` which cell state
    tanh's slope is taken at, ``own_factor`` each factor of f * c + i * g given itself in place of
    its partner, ``o_reads`` which incoming gradient o's is taken from, ``o_partner`` which cell
    state the tanh that o's gradient takes is of.
    """
    pre = _gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh, order)
    i, f, o = torch.sigmoid(pre["i"]), torch.sigmoid(pre["f"]), torch.sigmoid(pre["o"])
    g = torch.tanh(pre["g"])
    c_next = f * c + i * g
    sloped = torch.tanh(slope_cell(c, c_next))
    grad_c = into_c(grad_h_next, grad_c_next, o, sloped, tanh_slope)  # (N, H)
    partner = dict(i=i, f=f, g=g) if own_factor else dict(i=g, f=forget_reads(c, c_next), g=i)
    delta = {
        "i": grad_c * partner["i"] * sigmoid_slope(i),
        "f": grad_c * partner["f"] * sigmoid_slope(f),
        "g": grad_c * partner["g"] * tanh_slope(g),
        "o": o_reads(grad_h_next, grad_c) * torch.tanh(o_partner(c, c_next)) * sigmoid_slope(o),
    }
    delta = torch.cat(
        [delta[gate] for gate in stack_order], dim=1
    )  # (N, 4H), in the weights' row order
    grad_x, grad_h = input_grads(delta, weight_ih, weight_hh)
    grad_w_ih, grad_w_hh = weight_grads(delta, x, h)
    return {
        "x": grad_x,
        "h": grad_h,
        "c": old_c_grad(grad_c, f, grad_c_next),
        "weight_ih": grad_w_ih,
        "weight_hh": grad_w_hh,
        "bias_ih": bias_grad(delta),
        "bias_hh": bias_grad(delta),
    }


_MISTAKES = (
    Mistake(
        "slope_at_the_old_cell",
        "tanh's slope on the road from h_next into the cell is taken at the old cell state c; "
        "h_next = o * tanh(c_next), so the slope is tanh's at c_next",
        variant(_backward, slope_cell=lambda c, c_next: c),
    ),
    Mistake(
        "output_gate_with_the_old_cell",
        "o's gradient takes tanh of the old cell state c; h_next = o * tanh(c_next), so o's "
        "partner, and what its gradient is multiplied by, is tanh(c_next)",
        variant(_backward, o_partner=lambda c, c_next: c),
    ),
    Mistake(
        "h_next_read_at_the_old_cell",
        "both tanh's slope on the road from h_next into the cell and o's gradient are taken at the "
        "old cell state c; h_next = o * tanh(c_next) reads the new cell state, so both are taken "
        "at c_next",
        variant(_backward, slope_cell=lambda c, c_next: c, o_partner=lambda c, c_next: c),
    ),
    Mistake(
        "gate_times_itself",
        "each factor of c_next = f * c + i * g gets the incoming gradient times itself; a product's "
        "gradient for one factor is the incoming gradient times the other factor",
        variant(_backward, own_factor=True),
    ),
    Mistake(
        "output_gate_through_the_cell",
        "o's gradient is taken from the cell state's gradient, as if o were inside c_next; o only "
        "multiplies tanh(c_next) in h_next, so its gradient comes from grad_h_next",
        variant(_backward, o_reads=lambda grad_h_next, grad_c: grad_c),
    ),
    Mistake(
        "no_grad_from_h_next_into_c",
        "your gradient for the cell state leaves out the road through h_next: h_next = o * "
        "tanh(c_next) also depends on c_next, so grad_h_next reaches c_next too",
        variant(_backward, into_c=lambda dh, dc, o, tanh_c, slope: dc),
    ),
    Mistake(
        "sigmoid_slope_as_s",
        "your sigmoid slope is s; the derivative of s = sigmoid(a) is s * (1 - s)",
        variant(_backward, sigmoid_slope=lambda s: s),
    ),
    Mistake(
        "tanh_slope_unsquared",
        "your tanh slope is 1 - t; the derivative of t = tanh(a) is 1 - t², squared",
        variant(_backward, tanh_slope=lambda t: 1 - t),
    ),
    Mistake(
        "forget_grad_uses_c_next",
        "your forget gate's gradient multiplies by the new cell state; f multiplies the old c, so "
        "its gradient is taken with c",
        variant(_backward, forget_reads=lambda c, c_next: c_next),
    ),
    Mistake(
        "grad_c_without_f",
        "your gradient for c is the cell state's gradient itself; c reaches c_next through f * c, "
        "so it is multiplied by f on the way back",
        variant(_backward, old_c_grad=lambda grad_c, f, grad_c_next: grad_c),
    ),
    Mistake(
        "grad_c_skips_h_next",
        "your gradient for c is f times grad_c_next alone; it is f times the cell state's whole "
        "gradient, which also holds what arrives through h_next",
        variant(_backward, old_c_grad=lambda grad_c, f, grad_c_next: grad_c_next * f),
    ),
    Mistake(
        "gate_order_ifog",
        "your gates are read in the order i|f|o|g; torch stacks the rows of weight_ih and "
        "weight_hh as i|f|g|o, in the forward step and in the gradients",
        variant(_backward, order=_gate_order("ifog"), stack_order=_gate_order("ifog")),
    ),
    Mistake(
        "gate_order_igfo",
        "your gates are read in TensorFlow's order i|j|f|o (the candidate second); torch stacks "
        "the rows as i|f|g|o, in the forward step and in the gradients",
        variant(_backward, order=_gate_order("igfo"), stack_order=_gate_order("igfo")),
    ),
    Mistake(
        "delta_stacked_ifog",
        "your forward step reads the gates as i|f|g|o, but you stack their gradients as i|f|o|g; "
        "the (N, 4H) gradient must keep the rows in the weights' order",
        variant(_backward, stack_order=_gate_order("ifog")),
    ),
    Mistake(
        "weights_transposed",
        "your weight gradients are transposed: a gradient has the shape of its weight, "
        "(4H, H_in) and (4H, H)",
        variant(_backward, weight_grads=lambda delta, x, h: (x.T @ delta, h.T @ delta)),
    ),
    Mistake(
        "bias_not_summed",
        "your bias gradients are not summed over the batch: a bias is shared by all N rows, so "
        "its gradient has shape (4H,)",
        variant(_backward, bias_grad=lambda delta: delta),
    ),
    Mistake(
        "grad_h_uses_weight_ih",
        "your gradient for h goes through weight_ih; h only meets weight_hh",
        variant(_backward, input_grads=lambda delta, w_ih, w_hh: (delta @ w_ih, delta @ w_ih)),
    ),
    Mistake(
        "grad_x_uses_weight_hh",
        "your gradient for x goes through weight_hh; x only meets weight_ih",
        variant(_backward, input_grads=lambda delta, w_ih, w_hh: (delta @ w_hh, delta @ w_hh)),
    ),
)

register(
    Exercise(
        id="lstm_cell_backward",
        solve=_torch_grads,
        slopes=(_grads_with, _SITES),
        title="Backward through one LSTM cell, by hand",
        signature=(
            "lstm_cell_backward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh, grad_h_next, "
            "grad_c_next) -> grads (a dict)"
        ),
        arg_names=(
            "x",
            "h",
            "c",
            "weight_ih",
            "weight_hh",
            "bias_ih",
            "bias_hh",
            "grad_h_next",
            "grad_c_next",
        ),
        output_names=("grads",),
        make_cases=_cases,
        lesson="12_lstm",
        forbid_rnn=True,
        forbid_autograd=True,
        mistakes=_MISTAKES,
        hints=(
            "Recompute the forward step first and keep every intermediate: the four gates after "
            "their squashing functions, the new cell state and its tanh. The backward pass reads "
            "them; it never needs the loss itself.",
            "Start at the cell state. Two roads reach c_next: what later steps send (grad_c_next), "
            "and the road through h_next, which passes the output gate and a tanh. Add the two. "
            "From that total, each of i, f, g gets the other factor of its product; o gets its "
            "gradient from h_next alone.",
            "Through each squashing function multiply by its slope, written with its own output: "
            "s(1 - s) for a sigmoid, 1 - t² for a tanh. Put the four results side by side in "
            "torch's order i, f, g, o: that (N, 4H) tensor plays the part lesson 8's "
            "pre-activation gradient did, for x, h, the weights and the biases. The old c is "
            "reached through f alone.",
        ),
    )
)
