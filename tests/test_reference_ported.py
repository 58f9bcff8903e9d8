"""PyTorch's own tests of its recurrent modules, ported to rnn_course.reference.

Written from what torch's test suite checks (test_nn.py's RNN tests and the RNN, LSTM, GRU and cell
entries of common_modules.py), on the CPU and in float64 where the originals need a GPU. Every
test runs twice: on ``torch.nn`` itself, which shows that the expectation holds in the installed
torch, and on ``rnn_course.reference``. Exception types are compared, never message wording.
"""

import copy
import io
import itertools

import pytest
import torch
from torch import nn
from torch.autograd import gradcheck, gradgradcheck
from torch.nn.utils import rnn as rnn_utils

from rnn_course import reference


@pytest.fixture(params=[nn, reference], ids=["torch", "reference"])
def lib(request):
    """The namespace the test builds its modules from: torch.nn, or the reference twins."""
    return request.param


def modes(lib):
    return {"RNN": lib.RNN, "GRU": lib.GRU, "LSTM": lib.LSTM}


# ---------------------------------------------------------------------------------------------
# Cells (test_nn.py: test_RNN_cell, test_LSTM_cell, ..._no_broadcasting, ..._forward_*_size)
# ---------------------------------------------------------------------------------------------


def _with_torch_twin(lib, name, *args, **kwargs):
    """A float64 cell ``lib.<name>`` and torch.nn's cell with the same weights."""
    cell = getattr(lib, name)(*args, **kwargs).double()
    twin = getattr(nn, name)(*args, **kwargs).double()
    twin.load_state_dict(cell.state_dict())
    return cell, twin


def _assert_same_gradients(cell, twin):
    for (name, p), q in zip(cell.named_parameters(), twin.parameters()):
        torch.testing.assert_close(p.grad, q.grad, msg=lambda m, name=name: f"{name}.grad: {m}")


def test_rnn_cell(lib):
    """Six steps of an RNN or GRU cell: the states and every weight's gradient are torch's."""
    for name in ("RNNCell", "GRUCell"):
        for bias in (True, False):
            input = torch.randn(3, 10, dtype=torch.float64)
            hx = twin_hx = torch.randn(3, 20, dtype=torch.float64)
            cell, twin = _with_torch_twin(lib, name, 10, 20, bias=bias)
            for _ in range(6):
                hx, twin_hx = cell(input, hx), twin(input, twin_hx)
            hx.sum().backward()
            twin_hx.sum().backward()
            assert hx.shape == (3, 20)
            torch.testing.assert_close(hx, twin_hx)
            _assert_same_gradients(cell, twin)


def test_lstm_cell(lib):
    """Six steps of an LSTM cell: h, c and every weight's gradient are torch's (float64)."""
    for bias in (True, False):
        input = torch.randn(3, 10, dtype=torch.float64)
        state = twin_state = (
            torch.randn(3, 20, dtype=torch.float64),
            torch.randn(3, 20, dtype=torch.float64),
        )
        lstm, twin = _with_torch_twin(lib, "LSTMCell", 10, 20, bias=bias)
        for _ in range(6):
            state, twin_state = lstm(input, state), twin(input, twin_state)
        (state[0] + state[1]).sum().backward()
        (twin_state[0] + twin_state[1]).sum().backward()
        torch.testing.assert_close(state, twin_state)
        _assert_same_gradients(lstm, twin)


def test_rnn_cell_no_broadcasting(lib):
    def check(cell_module, input, hx, input_size, hidden_size):
        cell = cell_module(input_size, hidden_size)
        with pytest.raises(RuntimeError):
            cell(input, hx)

    def check_all(hidden_size, bad_hx, good_hx, input_size, input):
        check(lib.RNNCell, input, bad_hx, input_size, hidden_size)
        check(lib.GRUCell, input, bad_hx, input_size, hidden_size)
        check(lib.LSTMCell, input, (bad_hx, good_hx), input_size, hidden_size)
        check(lib.LSTMCell, input, (good_hx, bad_hx), input_size, hidden_size)

    hidden_size, input_size = 20, 10
    input = torch.randn(3, input_size)
    good_hx = torch.randn(3, hidden_size)
    check_all(hidden_size, torch.randn(1, hidden_size), good_hx, input_size, input)  # batch size
    check_all(hidden_size, torch.randn(3, 1), good_hx, input_size, input)  # hidden size
    check_all(hidden_size, good_hx, good_hx, input_size, torch.randn(3, 1))  # input size


def test_rnn_cell_forward_input_size(lib):
    input, hx = torch.randn(3, 11), torch.randn(3, 20)
    for module in (lib.RNNCell, lib.GRUCell):
        with pytest.raises(Exception):
            module(10, 20)(input, hx)


def test_rnn_cell_forward_hidden_size(lib):
    input, hx = torch.randn(3, 10), torch.randn(3, 21)
    cells = [lib.RNNCell(10, 20, nonlinearity="relu"), lib.RNNCell(10, 20), lib.GRUCell(10, 20)]
    for cell in cells:
        with pytest.raises(Exception):
            cell(input, hx)


def test_rnn_cell_forward_zero_hidden_size(lib):
    input, hx = torch.randn(3, 10), torch.randn(3, 0)
    cells = [lib.RNNCell(10, 0, nonlinearity="relu"), lib.RNNCell(10, 0), lib.GRUCell(10, 0)]
    for cell in cells:
        assert cell(input, hx).shape == (3, 0)
    h, c = lib.LSTMCell(10, 0)(input, (hx, hx))  # LSTMCell added to the original's three
    assert h.shape == c.shape == (3, 0)


def test_lstmcell_backward_only_one_output_grad(lib):
    """An undefined gradient for one of (h, c) must not break the backward pass (torch #11872)."""
    cell = lib.LSTMCell(2, 3).to(dtype=torch.double)
    s = torch.randn(1, 2, dtype=torch.double, requires_grad=True)
    for i in range(2):
        out = cell(s)[i]
        out.sum().backward()
        assert not (s.grad is None or s.grad.abs().sum().item() == 0)


# common_modules.py: module_error_inputs_torch_nn_RNN_GRU_Cell and ..._LSTMCell
CELL_ERRORS = [
    ((3, 11), (3, 20), RuntimeError),  # input has inconsistent input_size
    ((3, 10), (3, 21), RuntimeError),  # hidden0 has inconsistent hidden_size
    ((3, 10), (5, 20), RuntimeError),  # input batch size 3 doesn't match hidden0 batch size 5
    ((3, 10), (3, 1, 1, 20), ValueError),  # expected hidden to be 1D or 2D, got 4D
]


@pytest.mark.parametrize("input_shape, hx_shape, error", CELL_ERRORS)
@pytest.mark.parametrize("kind", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cell_error_inputs(lib, kind, input_shape, hx_shape, error):
    cell = getattr(lib, kind)(10, 20)
    hx = torch.randn(hx_shape)
    hx = (hx, torch.randn(hx_shape)) if kind == "LSTMCell" else hx
    with pytest.raises(error):
        cell(torch.randn(input_shape), hx)


# ---------------------------------------------------------------------------------------------
# Modules: argument checks and initial states (test_nn.py)
# ---------------------------------------------------------------------------------------------


def test_rnn_args_check(lib):
    input_size, hidden_size, num_layers, batch_size, seq_len, bad_size = 3, 5, 2, 4, 6, 7
    correct_input_shape = (seq_len, batch_size, input_size)
    correct_hidden_shape = (num_layers, batch_size, hidden_size)

    def update_shape(shape, dim, new_dim_size):
        new_shape = list(shape)
        new_shape[dim] = new_dim_size
        return tuple(new_shape)

    def get_inputs(input_shape, hidden_shape, mode):
        input, hidden = torch.randn(input_shape), torch.randn(hidden_shape)
        if mode != "LSTM":
            return [(input, hidden)]
        if hidden_shape == correct_hidden_shape:
            return [(input, (hidden, hidden))]
        good_hidden = torch.randn(correct_hidden_shape)
        return [(input, (hidden, good_hidden)), (input, (good_hidden, hidden))]

    for mode, module in modes(lib).items():
        cases = [
            (update_shape(correct_input_shape, 1, bad_size), correct_hidden_shape),
            (correct_input_shape, update_shape(correct_hidden_shape, 1, bad_size)),
            (update_shape(correct_input_shape, 2, bad_size), correct_hidden_shape),
            (correct_input_shape, update_shape(correct_hidden_shape, 2, bad_size)),
            (correct_input_shape, update_shape(correct_hidden_shape, 0, bad_size)),
        ]
        for input_shape, hidden_shape in cases:
            for input, hidden in get_inputs(input_shape, hidden_shape, mode):
                model = module(input_size, hidden_size, num_layers)
                with pytest.raises(RuntimeError):
                    model(input, hidden)


def test_projections_lstm_args_check(lib):
    input_size, hidden_size, proj_size, num_layers = 3, 5, 2, 2
    batch_size, seq_len, bad_size = 4, 6, 7
    input_shape = (seq_len, batch_size, input_size)
    h_shape, c_shape = (num_layers, batch_size, proj_size), (num_layers, batch_size, hidden_size)

    def update_shape(shape, dim, new_dim_size):
        return tuple(new_dim_size if i == dim else size for i, size in enumerate(shape))

    cases = [
        (update_shape(input_shape, 1, bad_size), h_shape, c_shape),
        (input_shape, update_shape(h_shape, 1, bad_size), c_shape),
        (input_shape, h_shape, update_shape(c_shape, 1, bad_size)),
        (update_shape(input_shape, 2, bad_size), h_shape, c_shape),
        (input_shape, update_shape(h_shape, 2, bad_size), c_shape),
        (input_shape, h_shape, update_shape(c_shape, 2, bad_size)),
        (input_shape, update_shape(h_shape, 0, bad_size), c_shape),
        (input_shape, h_shape, update_shape(c_shape, 0, bad_size)),
    ]
    for input, h, c in cases:
        model = lib.LSTM(input_size, hidden_size, num_layers, proj_size=proj_size)
        with pytest.raises(RuntimeError):
            model(torch.randn(input), (torch.randn(h), torch.randn(c)))


def test_projections_errors_on_gru_and_rnn(lib):
    for mode in ("RNN", "GRU"):
        with pytest.raises(ValueError):
            modes(lib)[mode](10, 20, num_layers=2, proj_size=5)


def test_rnn_initial_hidden_state(lib):
    for mode, module in modes(lib).items():
        rnn = module(30, 20, 2)
        input = torch.randn(10, 32, 30)
        hidden = torch.zeros(2, 32, 20)
        if mode == "LSTM":
            hidden = (hidden, hidden)
        output1, hidden1 = rnn(input, hidden)
        output2, hidden2 = rnn(input)
        torch.testing.assert_close(output1, output2)
        torch.testing.assert_close(hidden1, hidden2)


def test_projections_lstm_initial_hidden_state(lib):
    for bidirectional in (False, True):
        rnn = lib.LSTM(30, 20, 2, bidirectional=bidirectional, proj_size=10)
        num_directions = 2 if bidirectional else 1
        input = torch.randn(10, 32, 30)
        hidden_h = torch.zeros(2 * num_directions, 32, 10)
        hidden_c = torch.zeros(2 * num_directions, 32, 20)
        output1, hidden1 = rnn(input, (hidden_h, hidden_c))
        output2, hidden2 = rnn(input)
        torch.testing.assert_close(output1, output2)
        torch.testing.assert_close(hidden1, hidden2)


def test_rnn_input_size_zero(lib):
    """A batch of zero sequences runs, forward and backward."""
    for module in modes(lib).values():
        input = torch.zeros((5, 0, 3))
        rnn = module(input_size=3, hidden_size=4)
        outs = rnn(input)
        assert outs[0].shape == (5, 0, 4)
        outs[0].sum().backward()


def test_rnn_nonlinearity(lib):
    assert lib.RNN(1, 10).nonlinearity == "tanh"
    assert lib.RNN(1, 10, nonlinearity="relu").nonlinearity == "relu"
    with pytest.raises(ValueError):
        lib.RNN(1, 10, nonlinearity="garbage")


def test_rnn_nonlinearity_passed_as_arg(lib):
    assert lib.RNN(2, 3, 1, "relu").nonlinearity == "relu"


# common_modules.py: module_error_inputs_torch_nn_RNN_GRU
@pytest.mark.parametrize("args", [(10, 0, 1), (10, 10, 0)], ids=["hidden_size 0", "num_layers 0"])
@pytest.mark.parametrize("mode", ["RNN", "GRU", "LSTM"])
def test_module_error_inputs(lib, mode, args):
    with pytest.raises(ValueError):
        modes(lib)[mode](*args)


# ---------------------------------------------------------------------------------------------
# Dropout (test_nn.py: test_RNN_dropout, test_RNN_dropout_state, test_RNN_change_dropout)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0, 0.276, 0.731, 1])
def test_rnn_dropout(lib, p):
    """Dropout sits between the layers: layer 1 reads layer 0's output, each kept unit scaled."""
    for train in (True, False):
        rnn = lib.RNN(10, 1000, 2, bias=False, dropout=p, nonlinearity="relu")
        rnn.train(train)
        for name in ("weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"):
            getattr(rnn, name).data.fill_(1)
        input = torch.ones(1, 1, 10)
        hx = torch.zeros(2, 1, 1000)
        output, hy = rnn(input, hx)
        assert output.data.min() == output.data.max()
        output_val = output.data[0][0][0]
        if p == 0 or not train:
            assert output_val == 10000
        elif p == 1:
            assert output_val == 0
        else:
            assert 8000 < output_val < 12000
            denorm_mod = (output_val * (1 - p)) % 10
            assert min(denorm_mod, 10 - denorm_mod) < 1e-2
        assert hy[0].data.min() == hy[0].data.max()
        assert hy[1].data.min() == hy[1].data.max()
        assert hy.data[0][0][0] == 10
        assert hy.data[1][0][0] == output_val


@pytest.mark.parametrize("p", [0, 0.1234])
def test_rnn_dropout_state(lib, p):
    """Two runs in train mode with dropout differ; a pickled and reloaded module runs too."""
    for train in (True, False):
        rnn = lib.RNN(100, 100, 2, bias=False, dropout=p, nonlinearity="relu")
        rnn.train(train)
        input, hx = torch.rand(1, 1, 100), torch.rand(2, 1, 100)
        output1, hy1 = rnn(input, hx)
        output2, hy2 = rnn(input, hx)
        buffer = io.BytesIO()
        torch.save(rnn, buffer)
        buffer.seek(0)
        rnn2 = torch.load(buffer, weights_only=False)
        rnn2.flatten_parameters()
        output3, hy3 = rnn2(input, hx)
        if p == 0 or not train:
            for a, b in [(output1, output2), (output1, output3), (hy1, hy2), (hy1, hy3)]:
                torch.testing.assert_close(a, b)
        else:
            for a, b in [(output1, output2), (output1, output3), (hy1, hy2), (hy1, hy3)]:
                assert not torch.allclose(a, b)


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_rnn_change_dropout(lib, train):
    """Changing module.dropout between calls takes effect at the next call."""
    rnn = lib.RNN(100, 100, 2, dropout=0, nonlinearity="relu")
    rnn.train(train)
    input = torch.rand(3, 2, 100)
    prev_output = None
    for p in (0, 0.5, 0, 0.7, 0.2, 1, 0.2, 0):
        rnn.dropout = p
        output1, hy1 = rnn(input)
        output2, hy2 = rnn(input)
        if p == 0 or p == 1 or not train:
            torch.testing.assert_close(output1, output2)
            torch.testing.assert_close(hy1, hy2)
        else:
            assert not torch.allclose(output1, output2)
            assert not torch.allclose(hy1, hy2)
        if prev_output is not None:
            if not train:
                torch.testing.assert_close(output1.data, prev_output)
                torch.testing.assert_close(output2.data, prev_output)
            else:
                assert not torch.allclose(output1.data, prev_output)
                assert not torch.allclose(output2.data, prev_output)
        prev_output = output1.data


def test_dropout_warning_with_one_layer(lib):
    for module in modes(lib).values():
        with pytest.warns(UserWarning):
            module(1, 10, bidirectional=False, dropout=0.5)


# ---------------------------------------------------------------------------------------------
# Gradients (test_nn.py: test_LSTM_grad_and_gradgrad, test_GRU_grad_and_gradgrad, CUDA-only
# there; test_rnn_retain_variables; test_LSTM_differentiable_backward_using_oneDNN)
# ---------------------------------------------------------------------------------------------


def flatten_out(module, inp):
    out = module(inp)
    return tuple(t if isinstance(t, torch.Tensor) else tt for t in out for tt in t)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_grad_and_gradgrad(lib, mode):
    hsize = 4
    inp = torch.rand(1, 3, hsize, dtype=torch.float64, requires_grad=True)
    for bias in (True, False):
        module = modes(lib)[mode](hsize, hsize, bias=bias).to(torch.float64)
        assert gradcheck(lambda x: flatten_out(module, x), inp, check_batched_grad=False)
        assert gradgradcheck(lambda x: flatten_out(module, x), inp, check_batched_grad=False)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rnn_retain_variables(lib, dtype):
    rnns = [
        lib.LSTM(10, 20, num_layers=2).to(dtype),
        lib.GRU(10, 20, num_layers=2).to(dtype),
        lib.RNN(10, 20, num_layers=2).to(dtype),
    ]
    for rnn in rnns:
        input = torch.randn(5, 6, 10, dtype=dtype, requires_grad=True)
        output = rnn(input)
        output[0].sum().backward(retain_graph=True)
        grads = [input.grad.data.clone()] + [p.grad.data.clone() for p in rnn.parameters()]
        for _ in range(4):
            rnn.zero_grad()
            input.grad.data.zero_()
            output[0].sum().backward(retain_graph=True)
            grads2 = [input.grad.data] + [p.grad.data for p in rnn.parameters()]
            for a, b in zip(grads, grads2):
                torch.testing.assert_close(a, b)


def test_lstm_differentiable_backward(lib):
    """The gradient of the output w.r.t. the input is itself differentiable (create_graph)."""
    torch.manual_seed(0)
    net = lib.LSTM(3, 3, 20, batch_first=True).double()
    x = torch.rand(10, 12, 3, dtype=torch.float64, requires_grad=True)
    out, _ = net(x)
    der_out = torch.autograd.grad(out, x, torch.ones_like(out), create_graph=True)[0]
    der_out.sum().backward()
    twin = nn.LSTM(3, 3, 20, batch_first=True).double()  # the oracle, with the same weights
    twin.load_state_dict(net.state_dict())
    x2 = x.detach().clone().requires_grad_()
    out2, _ = twin(x2)
    der_out2 = torch.autograd.grad(out2, x2, torch.ones_like(out2), create_graph=True)[0]
    der_out2.sum().backward()
    torch.testing.assert_close(der_out, der_out2)
    torch.testing.assert_close(x.grad, x2.grad)


# ---------------------------------------------------------------------------------------------
# Packed sequences (test_nn.py: _test_variable_sequence, on the CPU in float64)
# ---------------------------------------------------------------------------------------------

VARIABLE_SEQUENCES = [
    (True, [5]),
    (False, [5]),
    (True, [10, 10, 6, 2, 2, 1, 1]),
    (False, [10, 10, 6, 2, 2, 1, 1]),
    (False, [2, 1, 3, 2, 10, 5, 3]),
]


@pytest.mark.parametrize("proj_size", [0, 2])
@pytest.mark.parametrize("use_default_hiddens", [True, False], ids=["no_hx", "hx"])
@pytest.mark.parametrize("enforce_sorted, lengths", VARIABLE_SEQUENCES)
def test_variable_sequence(lib, enforce_sorted, lengths, use_default_hiddens, proj_size):
    """A packed batch gives what each sequence gives alone: outputs, states and gradients."""
    dtype, input_size, hidden_size, num_layers, num_directions = torch.float64, 3, 4, 2, 2

    def pad(var, length):
        if var.size(0) == length:
            return var
        return torch.cat([var, var.new_zeros(length - var.size(0), *var.size()[1:])])

    def maybe_index_tuple(maybe_tuple_of_tensors, index):
        if maybe_tuple_of_tensors is None:
            return None
        return tuple(t[:, index : index + 1, :].contiguous() for t in maybe_tuple_of_tensors)

    max_length = max(lengths)
    x_leaf = torch.randn(max_length, len(lengths), input_size, dtype=dtype, requires_grad=True)
    lstm = lib.LSTM(
        input_size, hidden_size, bidirectional=True, num_layers=num_layers, proj_size=proj_size
    ).to(dtype)
    lstm2 = copy.deepcopy(lstm)
    x = x_leaf
    hidden0 = None
    if not use_default_hiddens:
        real_hidden_size = hidden_size if proj_size == 0 else proj_size
        hidden0 = (
            torch.randn(num_directions * num_layers, len(lengths), real_hidden_size, dtype=dtype),
            torch.randn(num_directions * num_layers, len(lengths), hidden_size, dtype=dtype),
        )
    seq_outs, seq_hiddens = [], []
    for i, length in enumerate(lengths):
        out, hid = lstm2(x[:length, i : i + 1], maybe_index_tuple(hidden0, i))
        seq_outs.append(pad(out, max_length))
        seq_hiddens.append(hid)
    seq_out = torch.cat(seq_outs, 1)
    seq_hidden = tuple(torch.cat(hids, 1) for hids in zip(*seq_hiddens))

    packed = rnn_utils.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
    packed_out, packed_hidden = lstm(packed, hidden0)
    unpacked, unpacked_len = rnn_utils.pad_packed_sequence(packed_out)

    for got, expected in zip(packed_hidden, seq_hidden):
        torch.testing.assert_close(got, expected)
    torch.testing.assert_close(unpacked, seq_out)
    assert unpacked_len.tolist() == lengths

    seq_out.sum().backward()
    grad_x = x_leaf.grad.data.clone()
    x_leaf.grad.data.zero_()
    unpacked.sum().backward()
    torch.testing.assert_close(x_leaf.grad, grad_x)
    for p1, p2 in zip(lstm.parameters(), lstm2.parameters()):
        torch.testing.assert_close(p1.grad, p2.grad)


# ---------------------------------------------------------------------------------------------
# Unbatched input (common_modules.py: module_inputs_torch_nn_RNN_GRU and ..._LSTM, with their
# no_batch_dim reference functions: unbatched input is a batch of one, squeezed)
# ---------------------------------------------------------------------------------------------


def no_batch_dim_reference(module, input, hx, batch_first):
    batch_dim = 0 if batch_first else 1
    if hx is not None:
        hx = tuple(h.unsqueeze(1) for h in hx) if isinstance(hx, tuple) else hx.unsqueeze(1)
    output, state = module(input.unsqueeze(batch_dim), hx)
    if isinstance(state, tuple):
        return output.squeeze(batch_dim), tuple(s.squeeze(1) for s in state)
    return output.squeeze(batch_dim), state.squeeze(1)


def unbatched_samples():
    """(mode, constructor kwargs, input size, hx sizes or None), as in common_modules.py."""
    samples = []
    for nonlinearity, bias, batch_first, bidirectional in itertools.product(
        ["relu", "tanh", None], [False, True], [False, True], [False, True]
    ):
        mode = "GRU" if nonlinearity is None else "RNN"
        options = {"num_layers": 2, "batch_first": batch_first, "bias": bias}
        options["bidirectional"] = bidirectional
        if nonlinearity:
            options["nonlinearity"] = nonlinearity
        samples.append((mode, {"input_size": 2, "hidden_size": 2, **options}, None))
        states = 4 if bidirectional else 2
        samples.append((mode, {"input_size": 2, "hidden_size": 3, **options}, [(states, 3)]))
    for bias, batch_first, proj_size in itertools.product([False, True], [False, True], [0, 2]):
        options = {"input_size": 2, "hidden_size": 3, "num_layers": 2, "proj_size": proj_size}
        options.update(batch_first=batch_first, bias=bias)
        samples.append(("LSTM", options, None))
        samples.append(("LSTM", options, [(2, proj_size or 3), (2, 3)]))
    return samples


@pytest.mark.parametrize("mode, options, hx_shapes", unbatched_samples())
def test_no_batch_dim_matches_a_batch_of_one(lib, mode, options, hx_shapes):
    module = modes(lib)[mode](**options).double()
    input = torch.randn(3, 2, dtype=torch.float64)
    hx = None
    if hx_shapes:
        hx = tuple(torch.randn(shape, dtype=torch.float64) for shape in hx_shapes)
        hx = hx if mode == "LSTM" else hx[0]
    output, state = module(input, hx)
    expected_output, expected_state = no_batch_dim_reference(
        module, input, hx, options["batch_first"]
    )
    torch.testing.assert_close(output, expected_output)
    torch.testing.assert_close(state, expected_state)


# ---------------------------------------------------------------------------------------------
# Module basics every torch module passes (test_modules.py: factory kwargs, pickle, to, deepcopy,
# non-contiguous input, train and eval modes), and weight norm (test_nn.py: test_rnn_weight_norm,
# test_partial_flat_weights on the CPU)
# ---------------------------------------------------------------------------------------------

ALL_KINDS = ["RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell"]


def build(lib, kind, **kwargs):
    options = {"num_layers": 2, "dropout": 0.5} if kind in ("RNN", "GRU", "LSTM") else {}
    return getattr(lib, kind)(3, 4, **options, **kwargs)


def sample_input(kind, dtype=torch.float32):
    shape = (5, 2, 3) if kind in ("RNN", "GRU", "LSTM") else (2, 3)
    return torch.randn(shape, dtype=dtype)


def flat(result):
    if isinstance(result, torch.Tensor):
        return [result]
    return [tensor for item in result for tensor in flat(item)]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_factory_kwargs(lib, kind):
    module = build(lib, kind, device="meta", dtype=torch.float64)
    for parameter in module.parameters():
        assert parameter.device.type == "meta" and parameter.dtype == torch.float64
    module = build(lib, kind, dtype=torch.float64)
    assert all(p.dtype == torch.float64 for p in module.parameters())


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_pickle_and_deepcopy(lib, kind):
    module = build(lib, kind).eval()
    x = sample_input(kind)
    buffer = io.BytesIO()
    torch.save(module, buffer)
    buffer.seek(0)
    for copied in (torch.load(buffer, weights_only=False), copy.deepcopy(module)):
        for got, expected in zip(flat(copied(x)), flat(module(x))):
            torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_to_dtype_and_to_empty(lib, kind):
    module = build(lib, kind).to(torch.float64)
    assert all(t.dtype == torch.float64 for t in flat(module(sample_input(kind, torch.float64))))
    meta = build(lib, kind, device="meta").to_empty(device="cpu")
    assert all(t.device.type == "cpu" for t in flat(meta(sample_input(kind))))


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_non_contiguous_input(lib, kind):
    module = build(lib, kind).eval()
    x = torch.randn(2, 5, 3).transpose(0, 1)  # (L, N, H_in), not contiguous
    assert not x.is_contiguous()
    for got, expected in zip(flat(module(x)), flat(module(x.contiguous()))):
        torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_train_and_eval_modes_differ(lib, kind):
    """With dropout between layers, train mode draws masks and eval mode does not."""
    torch.manual_seed(0)
    module = build(lib, kind)
    x = sample_input(kind)
    assert not torch.allclose(module.train()(x)[0], module.eval()(x)[0])
    torch.testing.assert_close(module.eval()(x)[0], module(x)[0])


@pytest.mark.parametrize("name", ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "weight_hr_l0"])
def test_rnn_weight_norm(lib, name):
    """Weight norm on one weight turns it into a plain tensor, and removing it restores it."""

    def count_parameters(module):
        return sum(isinstance(p, nn.Parameter) for weights in module.all_weights for p in weights)

    for mode in ("RNN", "GRU", "LSTM"):
        if name == "weight_hr_l0" and mode != "LSTM":
            continue
        options = {"proj_size": 2} if mode == "LSTM" else {}
        module = modes(lib)[mode](input_size=3, hidden_size=4, num_layers=1, **options)
        num_params = count_parameters(module)
        x = torch.randn(5, 2, 3)
        before = flat(module(x))
        module = torch.nn.utils.weight_norm(module, name=name)
        assert count_parameters(module) == num_params - 1
        for got, expected in zip(flat(module(x)), before):
            torch.testing.assert_close(got, expected)
        module = torch.nn.utils.remove_weight_norm(module, name=name)
        assert count_parameters(module) == num_params


def test_partial_flat_weights(lib):
    """A weight deleted, the module converted, the weight put back: the module runs as before."""
    module = lib.LSTM(10, 6, 2)
    inp = torch.randn(3, 2, 10)
    out_expected = module(inp)
    weight_orig = module.weight_hh_l0
    del module.weight_hh_l0
    assert not hasattr(module, "weight_hh_l0")
    module.to(
        torch.float64
    )  # torch's test moves it to the GPU; any conversion exercises the same path
    module.weight_hh_l0 = nn.Parameter(weight_orig.detach().double())
    torch.testing.assert_close(module(inp.double())[0].float(), out_expected[0])


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_functional_call_uses_the_given_weights(lib, kind):
    """torch.func.functional_call swaps the module's parameters for the call (test_stateless.py)."""
    module = build(lib, kind, proj_size=2) if kind == "LSTM" else build(lib, kind)
    module.eval()
    other = build(nn, kind, proj_size=2) if kind == "LSTM" else build(nn, kind)
    weights = dict(other.named_parameters())
    x = sample_input(kind)
    got = torch.func.functional_call(module, weights, (x,))
    for actual, expected in zip(flat(got), flat(other.eval()(x))):
        torch.testing.assert_close(actual, expected)
    assert not torch.allclose(module(x)[0], got[0])  # the module's own weights are untouched
