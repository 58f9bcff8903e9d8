"""The capstone's exercises (lesson 11): one training step, and the sampling loop with temperature.

Both take objects that cannot travel to the grader's sandbox (a model, an optimizer, a
torch.Generator), so each names a trusted adapter (``rnn_course.adapters``) that builds them from a
hidden case's plain data: a config dict, a CharRNN state_dict, tensors and numbers.

Expected answers come from torch: the training step from autograd, F.cross_entropy,
nn.utils.clip_grad_norm_ and torch.optim, written as a masked mean over the padded batch (a
different route from the packed one the lesson teaches); the sampler from torch.multinomial with a
torch.Generator seeded as the case says.

Each catalogued mistake is a variant of the correct computation, written here in named parts
(``_train_step``, ``_sample``) with one part swapped, or the right answer changed after the fact.
With no part swapped, each equals the course's own function in ``rnn_course.train``, which the
lesson reads without parts: tests/test_exercises_capstone.py holds the two to each other and to torch.
"""

import torch
import torch.nn.functional as F
from torch.nn.utils import clip_grad_norm_

from ..adapters import DTYPE, build_char_model, build_optimizer, sample_adapter, train_step_adapter
from ..models import CharRNN
from ..train import packed_loss, packed_targets
from .cases import dims_label, generator
from .registry import Case, Exercise, Mistake, register, variant

PAD, BOS, EOS = 0, 1, 2  # rnn_course.data.CharVocab's special indices

# ---------------------------------------------------------------------------------------------
# Hidden models: a CharRNN's state_dict drawn from a case's generator
# ---------------------------------------------------------------------------------------------


def _char_state(gen, config, scale):
    """Random float64 parameters with CharRNN's names and shapes; the padding row of the embedding is 0."""
    sizes = config["vocab_size"], config["embed_size"], config["hidden_size"]
    with torch.random.fork_rng(devices=[]):  # building the module draws from the global RNG
        shapes = {k: v.shape for k, v in CharRNN(*sizes, cell=config["cell"]).state_dict().items()}
    state = {k: torch.randn(v, generator=gen, dtype=DTYPE) * scale for k, v in shapes.items()}
    state["embed.weight"][PAD] = 0.0
    return state


def _config(cell, vocab_size, embed_size, hidden_size, **extra):
    return dict(
        cell=cell, vocab_size=vocab_size, embed_size=embed_size, hidden_size=hidden_size, **extra
    )


# ---------------------------------------------------------------------------------------------
# 11a. train_step
# ---------------------------------------------------------------------------------------------

# (cell, optimizer, lr, momentum, max_norm, V, N, steps S, longest line). max_norm varies (never 1.0),
# and sits below the gradient norm in most cases, so that clipping matters.
_STEP_SPECS = [
    ("rnn", "sgd", 0.5, 0.0, 0.2, 7, 3, 2, 4),
    ("rnn", "adam", 0.01, 0.0, 0.5, 8, 4, 2, 5),
    ("gru", "sgd", 0.3, 0.9, 0.3, 7, 2, 2, 4),
    ("lstm", "adam", 0.02, 0.0, 0.1, 6, 3, 2, 6),
    ("rnn", "sgd", 0.2, 0.5, 4.0, 9, 1, 2, 6),
    ("rnn", "sgd", 1.0, 0.0, 0.05, 8, 5, 2, 5),
]


def _random_batch(gen, vocab_size, n, longest, width):
    """Padded inputs and targets (N, width), and lengths (N,): lines of 1..longest - 1 characters."""
    lengths = torch.randint(2, longest + 1, (n,), generator=gen)  # L = characters + 1
    lengths[torch.randint(n, (1,), generator=gen)] = longest  # some line is the longest
    inputs = torch.full((n, width), PAD, dtype=torch.long)
    targets = torch.full((n, width), PAD, dtype=torch.long)
    for row, length in enumerate(lengths.tolist()):
        chars = torch.randint(3, vocab_size, (length - 1,), generator=gen)
        inputs[row, :length] = torch.cat([torch.tensor([BOS]), chars])
        targets[row, :length] = torch.cat([chars, torch.tensor([EOS])])
    return inputs, targets, lengths


def _per_position(model, inputs, targets, lengths):
    """Cross-entropy at every slot of the padded batch, (N, L), and the mask of the real ones (a
    forward RNN's real steps ignore the padding after them)."""
    logits, _ = model.step(inputs)  # (N, L, V)
    mask = torch.arange(inputs.shape[1])[None, :] < lengths[:, None]  # (N, L)
    return F.cross_entropy(logits.transpose(1, 2), targets, reduction="none"), mask


def _masked_mean_loss(model, inputs, targets, lengths):
    """torch's loss, by another route than packing: the mean over the real positions."""
    losses, mask = _per_position(model, inputs, targets, lengths)
    return (losses * mask).sum() / mask.sum()


def _torch_steps(config, state, inputs, targets, lengths, max_norm):
    model = build_char_model(config, state)
    optimizer = build_optimizer(config, model)
    losses = []
    for step in range(inputs.shape[0]):
        optimizer.zero_grad()
        loss = _masked_mean_loss(model, inputs[step], targets[step], lengths[step])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        losses.append(loss.detach())
    return {
        "loss": torch.stack(losses),
        **{k: v.detach().clone() for k, v in model.state_dict().items()},
    }


def _step_case(seed, cell, optimizer, lr, momentum, max_norm, vocab_size, n, steps, longest):
    gen = generator(seed)
    config = _config(cell, vocab_size, 4, 5, optimizer=optimizer, lr=lr, momentum=momentum)
    state = _char_state(gen, config, scale=0.6)
    batches = [_random_batch(gen, vocab_size, n, longest, longest + 1) for _ in range(steps)]
    stacked = (torch.stack(parts) for parts in zip(*batches))
    inputs, targets, lengths = stacked  # (S, N, L), (S, N, L), (S, N)
    args = (config, state, inputs, targets, lengths, max_norm)
    how = "Adam" if optimizer == "adam" else f"SGD{' with momentum' if momentum else ''}"
    label = (
        f"{cell.upper()} model, {how} (lr={lr}), max_norm={max_norm}, {steps} steps, "
        + dims_label(N=n, L=longest + 1, V=vocab_size)
    )
    return Case(args, _torch_steps(*args), label)


def _step_cases():
    return [_step_case(1100 + i, *spec) for i, spec in enumerate(_STEP_SPECS)]


# --- the catalogue: variants of train_step in named parts, run through the adapter ---------------


def _fresh_gradients(optimizer, loss):
    optimizer.zero_grad()  # backward adds to .grad
    loss.backward()


def _train_step(
    model,
    optimizer,
    inputs,
    targets,
    lengths,
    max_norm,
    *,
    loss_of=packed_loss,
    gradients=_fresh_gradients,
    clip=clip_grad_norm_,
    update=lambda model, optimizer: optimizer.step(),
    reported=lambda loss, lengths: loss.detach(),
):
    """rnn_course.train.train_step in parts: the loss, the gradients, the clipping, the update, the
    loss returned."""
    loss = loss_of(model, inputs, targets, lengths)
    gradients(optimizer, loss)
    clip(model.parameters(), max_norm)
    update(model, optimizer)
    return reported(loss, lengths)


def _step_variant(**part):
    return variant(_train_step, **part)


def _loss_after_step(model, optimizer, inputs, targets, lengths, max_norm):
    _train_step(model, optimizer, inputs, targets, lengths, max_norm)
    with torch.no_grad():  # the loss of the updated model, not the one the step used
        return packed_loss(model, inputs, targets, lengths)


def _loss_with_padding(model, inputs, targets, lengths):
    logits, _ = model.step(inputs)  # (N, L, V)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def _loss_over_all_slots(model, inputs, targets, lengths):
    losses, mask = _per_position(model, inputs, targets, lengths)
    return (losses * mask).sum() / losses.numel()


def _loss_mean_of_line_means(model, inputs, targets, lengths):
    losses, mask = _per_position(model, inputs, targets, lengths)
    return ((losses * mask).sum(1) / lengths).mean()


def _loss_rows_in_batch_order(model, inputs, targets, lengths):
    mask = torch.arange(inputs.shape[1])[None, :] < lengths[:, None]  # (N, L)
    return F.cross_entropy(model(inputs, lengths), targets[mask])  # row by row, not packed order


def _clip_each(parameters, max_norm):
    for parameter in parameters:
        torch.nn.utils.clip_grad_norm_([parameter], max_norm)


def _update_by_hand(model, optimizer):
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.grad is not None:
                parameter -= optimizer.param_groups[0]["lr"] * parameter.grad


def _backward_again(when):
    """train_step with loss.backward() run a second time after clipping, when ``when(total_norm,
    max_norm)``: fresh unclipped gradients added on top of the clipped ones."""

    def step(model, optimizer, inputs, targets, lengths, max_norm):
        losses = []

        def gradients(optimizer, loss):
            optimizer.zero_grad()
            loss.backward(retain_graph=True)
            losses.append(loss)

        def clip(parameters, max_norm):
            if when(clip_grad_norm_(parameters, max_norm), max_norm):
                losses[0].backward()

        return _train_step(
            model, optimizer, inputs, targets, lengths, max_norm, gradients=gradients, clip=clip
        )

    return step


_BACKWARD_AGAIN = (
    "loss.backward() runs again after the clipping, which adds fresh unclipped gradients to the "
    "clipped ones (backward adds into .grad): run backward once, then clip, then step"
)


_NO_CLIP = (
    "your gradients are never clipped: clip_grad_norm_ must run after loss.backward() (which makes "
    "the gradients) and before optimizer.step() (which uses them)"
)

_STEP_MISTAKES = (
    (
        "loss_after_step",
        "the loss you return is recomputed after optimizer.step(), on the updated model; "
        "return the loss the step was computed from (before the update)",
        _loss_after_step,
    ),
    (
        "zero_never",
        "your gradients pile up from one step to the next: call optimizer.zero_grad() (or "
        "model.zero_grad()) before loss.backward() in every step",
        _step_variant(gradients=lambda optimizer, loss: loss.backward()),
    ),
    (
        # Stepping before loss.backward() looks the same, and is named by this entry too.
        "step_without_fresh_gradients",
        "your parameters never change: optimizer.step() must use the gradients that loss.backward() "
        "has just made (zero them before backward, step after it)",
        _step_variant(gradients=lambda optimizer, loss: (loss.backward(), optimizer.zero_grad())),
    ),
    ("clip_none", _NO_CLIP, _step_variant(clip=lambda parameters, max_norm: None)),
    (
        "backward_again_after_clipping",
        _BACKWARD_AGAIN,
        _backward_again(lambda total, max_norm: True),
    ),
    (
        "backward_again_when_clipped",
        _BACKWARD_AGAIN,
        _backward_again(lambda total, max_norm: total > max_norm),
    ),
    (
        "clip_value",
        "you clip each gradient entry to [-max_norm, max_norm] (clip_grad_value_); clip the global "
        "norm of all gradients together (clip_grad_norm_)",
        _step_variant(clip=torch.nn.utils.clip_grad_value_),
    ),
    (
        "clip_per_parameter",
        "you clip each parameter's gradient by its own norm; clip_grad_norm_ takes all the parameters "
        "at once and scales them by one factor",
        _step_variant(clip=_clip_each),
    ),
    (
        "fixed_max_norm",
        "you clip to a fixed norm instead of the max_norm argument",
        _step_variant(clip=lambda parameters, max_norm: clip_grad_norm_(parameters, 1.0)),
    ),
    (
        "loss_softmax_first",
        "you apply softmax before F.cross_entropy, which expects raw logits (it does the log-softmax "
        "itself)",
        _step_variant(
            loss_of=lambda model, inputs, targets, lengths: F.cross_entropy(
                torch.softmax(model(inputs, lengths), dim=-1), packed_targets(targets, lengths)
            )
        ),
    ),
    (
        "loss_sum",
        "your loss adds up the positions (reduction='sum'); the loss is the mean over the real "
        "positions",
        _step_variant(
            loss_of=lambda model, inputs, targets, lengths: F.cross_entropy(
                model(inputs, lengths), packed_targets(targets, lengths), reduction="sum"
            )
        ),
    ),
    (
        "trains_on_the_sum",
        "you train on the summed loss (reduction='sum') and only divide it by the count for the value "
        "you return: the gradients, and so the step, are those of the sum; the loss you train on is "
        "the mean over the real positions",
        _step_variant(
            loss_of=lambda model, inputs, targets, lengths: F.cross_entropy(
                model(inputs, lengths), packed_targets(targets, lengths), reduction="sum"
            ),
            reported=lambda loss, lengths: loss.detach() / lengths.sum(),
        ),
    ),
    (
        "loss_with_padding",
        "your loss counts the padding positions too; average over the real positions only (the packed "
        "targets, or ignore_index for the padding)",
        _step_variant(loss_of=_loss_with_padding),
    ),
    (
        "loss_rows_in_batch_order",
        "your targets are in another order than the logits: model(inputs, lengths) returns its rows in "
        "packed order (time step by time step), so pack the targets the same way",
        _step_variant(loss_of=_loss_rows_in_batch_order),
    ),
    (
        "loss_over_all_slots",
        "your loss divides by every slot of the padded batch (N × L); divide by the number of real "
        "positions",
        _step_variant(loss_of=_loss_over_all_slots),
    ),
    (
        "loss_mean_of_line_means",
        "you average each line first and then the lines, so a short line weighs as much as a long one; "
        "take one mean over all the real positions",
        _step_variant(loss_of=_loss_mean_of_line_means),
    ),
    (
        "loss_inputs_as_targets",
        "your targets are the inputs: at every step the target is the next character (targets), not "
        "the one just read",
        _step_variant(
            loss_of=lambda model, inputs, targets, lengths: packed_loss(
                model, inputs, inputs, lengths
            )
        ),
    ),
    (
        "update_by_hand",
        "you update the parameters by hand (plain SGD) instead of calling optimizer.step(), so Adam and "
        "momentum are ignored",
        _step_variant(update=_update_by_hand),
    ),
)

register(
    Exercise(
        id="train_step",
        title="One training step: forward, loss, backward, clipping, optimizer step",
        signature="train_step(model, optimizer, inputs, targets, lengths, max_norm) -> loss",
        arg_names=("model", "optimizer", "inputs", "targets", "lengths", "max_norm"),
        output_names=("loss", "parameters"),
        make_cases=_step_cases,
        lesson="11_real_task",
        forbid_rnn=False,
        forbid_modules=("rnn_course.train",),
        adapter="rnn_course.adapters:train_step_adapter",
        rtol=1e-6,
        atol=1e-9,
        timeout=30.0,
        mistakes=tuple(Mistake(n, m, train_step_adapter(fn)) for n, m, fn in _STEP_MISTAKES),
        hints=(
            "backward adds to whatever is already in .grad, and the optimizer uses whatever is in .grad "
            "when it steps. So: what must happen before backward, and what may only happen between "
            "backward and the step?",
            "model(inputs, lengths) gives one row of logits per real position, in packed order (time "
            "step by time step, lesson 10), so the targets must be put in that same order before the "
            "loss; F.cross_entropy takes raw logits and already averages. Clipping scales all the "
            "gradients together by one factor (lesson 9's global norm), against max_norm.",
            "In order: clear the gradients left from the last step (the optimizer's zero_grad), run the "
            "model, take F.cross_entropy against <the targets in packed order>, backpropagate once, clip "
            "with torch.nn.utils.clip_grad_norm_ over the model's parameters, step the optimizer, and "
            "return the loss computed before the step. The blank is yours.",
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# 11b. sample
# ---------------------------------------------------------------------------------------------

# (cell, V, prompt length K, temperature, max_len, bias of the end token's logit[, weight scale]).
# Temperatures are never 1; one case makes the end token unlikely so that max_len is reached; small
# weights make flat distributions, where the temperature changes even the first draw.
_SAMPLE_SPECS = [
    ("rnn", 8, 1, 0.7, 7, 0.5),
    ("rnn", 9, 4, 1.6, 6, 1.0),
    ("gru", 7, 3, 0.5, 5, -6.0),
    ("lstm", 8, 2, 1.3, 9, 1.0),
    ("rnn", 10, 5, 2.5, 11, 1.5),
    ("rnn", 6, 3, 0.4, 8, 1.0),
    ("rnn", 8, 2, 0.25, 6, 0.0, 0.3),
    ("gru", 9, 3, 3.0, 7, 0.5, 0.3),
    ("rnn", 7, 1, 0.2, 5, 0.0, 0.3),
]


def _torch_sample(config, state, prompt, temperature, max_len, end_index, seed):
    """torch's tokens: the model stepped one token at a time, torch.multinomial with the case's generator."""
    model = build_char_model(config, state).eval()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        out, hidden = model.rnn(model.embed(prompt[None, :]))  # (1, K, H)
        tokens = []
        while len(tokens) < max_len:
            probs = F.softmax(model.head(out[0, -1]) / temperature, dim=0)  # (V,)
            tokens.append(torch.multinomial(probs, 1, generator=gen).item())
            if tokens[-1] == end_index:
                break
            out, hidden = model.rnn(model.embed(torch.tensor([[tokens[-1]]])), hidden)  # (1, 1, H)
    return torch.tensor(tokens, dtype=torch.long)


def _sample_case(seed, cell, vocab_size, prompt_length, temperature, max_len, end_bias, scale=1.2):
    gen = generator(seed)
    config = _config(cell, vocab_size, 4, 6)
    state = _char_state(gen, config, scale=scale)
    state["head.bias"][EOS] += end_bias
    prompt = torch.cat(
        [torch.tensor([BOS]), torch.randint(3, vocab_size, (prompt_length - 1,), generator=gen)]
    )
    draw_seed = int(torch.randint(2**31 - 2, (1,), generator=gen))
    args = (config, state, prompt, temperature, max_len, EOS, draw_seed)
    label = f"{cell.upper()} model, temperature={temperature}, max_len={max_len}, " + dims_label(
        K=prompt_length, V=vocab_size
    )
    return Case(args, _torch_sample(*args), label, ("(T,)",))


def _sample_cases():
    return [_sample_case(1200 + i, *spec) for i, spec in enumerate(_SAMPLE_SPECS)]


# --- the catalogue: variants of sample in named parts, run through the adapter ---------------------


def _last_logits(model, prompt):
    logits, state = model.step(prompt)  # (K, V): read the whole prompt
    return logits[-1], state


@torch.no_grad()
def _sample(
    model,
    prompt,
    temperature,
    max_len,
    end_index,
    generator,
    *,
    read=_last_logits,
    weigh=lambda logits, temperature, drawn: torch.softmax(logits / temperature, dim=-1),
    draw=lambda probs, generator: torch.multinomial(probs, 1, generator=generator),
    feed=lambda token, fed: token,
    carry=lambda state: state,
    ends=lambda token, end_index: token.item() == end_index,
):
    """rnn_course.train.sample in parts: how the prompt is read, the probabilities (given how many
    tokens were drawn so far), the draw, what is fed back, the state carried, when it stops."""
    logits, state = read(model, prompt)  # (V,): after the prompt's last token
    fed, tokens = prompt[-1:], []
    for _ in range(max_len):
        probs = weigh(logits, temperature, len(tokens))  # (V,)
        token = draw(probs, generator)  # (1,)
        tokens.append(token)
        if ends(token, end_index):
            break
        fed = feed(token, fed)
        logits, state = model.step(fed, carry(state))  # (1, V)
        logits = logits[-1]
    return torch.cat(tokens) if tokens else prompt.new_zeros(0)


def _sample_variant(**part):
    return variant(_sample, **part)


def _sample_then(change):
    """A mistake made after sampling: ``change(tokens, prompt, end_index)`` of the right tokens."""

    def mistake(model, prompt, temperature, max_len, end_index, generator):
        tokens = _sample(model, prompt, temperature, max_len, end_index, generator)
        return change(tokens, prompt, end_index)

    return mistake


def _read_at(part, position):
    """A ``read`` part: the logits at ``position`` (V,) after reading ``part(prompt)``, and the state."""

    def read(model, prompt):
        logits, state = model.step(part(prompt))  # (K, V)
        return logits[position], state

    return read


def _softmax_over_positions(logits, temperature, drawn):
    """The softmax along dim 0 of the scores, (K, V) after the prompt or (1, V) later, then the last row."""
    rows = logits if logits.dim() == 2 else logits[None]
    return torch.softmax(rows / temperature, dim=0)[-1]


def _history_fed(model, prompt, temperature, max_len, end_index, generator):
    """The whole sequence so far (prompt and every drawn token) fed at each step, with the state."""
    history = [prompt]

    def feed(token, fed):
        history.append(token)
        return torch.cat(history)

    return _sample(model, prompt, temperature, max_len, end_index, generator, feed=feed)


def _one_token_too_many(model, prompt, temperature, max_len, end_index, generator):
    return _sample(model, prompt, temperature, max_len + 1, end_index, generator)


def _without_specials(logits, temperature, drawn):
    logits = logits.clone()
    logits[[PAD, BOS]] = -torch.inf
    return torch.softmax(logits / temperature, dim=-1)


def _sample_all_at_once(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, _ = model.step(prompt)
        probs = torch.softmax(logits[-1] / temperature, dim=-1)
        return torch.multinomial(probs, max_len, replacement=True, generator=generator)


_SAMPLE_MISTAKES = (
    (
        "softmax_over_steps",
        "your softmax runs over the wrong axis (one of size 1, e.g. dim=0 of a (1, V) row), so "
        "every probability is 1 and the draw is uniform: normalise over the V scores (dim=-1)",
        _sample_variant(weigh=lambda logits, t, drawn: torch.softmax(logits[None] / t, dim=0)[0]),
    ),
    (
        "softmax_over_positions",
        "your softmax runs over the positions (dim 0 of the (K, V) scores, or of a (1, V) row) "
        "instead of over the V scores of the vocabulary: normalise along the vocabulary axis (dim=-1)",
        _sample_variant(read=_read_at(lambda p: p, slice(None)), weigh=_softmax_over_positions),
    ),
    (
        "history_fed_with_state",
        "each step feeds the whole sequence so far together with the carried state, so the state "
        "reads every earlier token again: with the state carried, feed only the newest token",
        _history_fed,
    ),
    (
        "scores_multiply",
        "you multiply the logits by the temperature; divide them by it (a temperature below 1 should "
        "sharpen the distribution, above 1 flatten it)",
        _sample_variant(weigh=lambda logits, t, drawn: torch.softmax(logits * t, dim=-1)),
    ),
    (
        "draw_argmax",
        "you always take the most likely token (argmax); draw it at random from the probabilities "
        "with torch.multinomial",
        _sample_variant(draw=lambda probs, generator: probs.argmax().reshape(1)),
    ),
    (
        "draw_global",
        "you draw without the generator you were given, so the draws cannot be reproduced: pass "
        "generator=generator to torch.multinomial",
        _sample_variant(draw=lambda probs, generator: torch.multinomial(probs, 1)),
    ),
    (
        "no_carry",
        "your hidden state is not carried from step to step: pass the state returned by the last step "
        "back in, or the model forgets everything before the newest token",
        _sample_variant(carry=lambda state: None),
    ),
    (
        "feed_prompt",
        "you feed the same token back at every step; feed back the token you have just drawn",
        _sample_variant(feed=lambda token, fed: fed),
    ),
    (
        "stop_never",
        "you do not stop at the end token: stop as soon as end_index is drawn",
        _sample_variant(ends=lambda token, end_index: False),
    ),
    (
        "stop_drop",
        "you stop at the end token but leave it out; keep it as the last token",
        _sample_then(
            lambda tokens, prompt, end: tokens[:-1] if tokens[-1:].eq(end).any() else tokens
        ),
    ),
    (
        "one_token_too_many",
        "you draw one token too many: at most max_len tokens",
        _one_token_too_many,
    ),
    (
        "scores_probs",
        "your temperature has no effect: dividing the probabilities (or ignoring the temperature) "
        "changes nothing once multinomial renormalises them; divide the logits before the softmax",
        _sample_variant(weigh=lambda logits, t, drawn: torch.softmax(logits, dim=-1) / t),
    ),
    (
        "prompt_read_first",
        "you read only the first token of the prompt; read the whole prompt before the first draw",
        _sample_variant(read=_read_at(lambda prompt: prompt[:1], -1)),
    ),
    (
        "prompt_read_last_only",
        "you read only the last token of the prompt, so the model starts from a fresh state and "
        "knows nothing of the tokens before it; read the whole prompt before the first draw",
        _sample_variant(read=_read_at(lambda prompt: prompt[-1:], -1)),
    ),
    (
        "first_step_logits",
        "your first draw uses the logits after the prompt's first token; use those after its last "
        "token",
        _sample_variant(read=_read_at(lambda prompt: prompt, 0)),
    ),
    (
        "returns_prompt",
        "you return the prompt too; return only the tokens you drew",
        _sample_then(lambda tokens, prompt, end: torch.cat([prompt, tokens])),
    ),
    (
        "scores_first_only",
        "your temperature is applied to the first draw only; divide the logits by it at every step",
        _sample_variant(
            weigh=lambda logits, t, drawn: torch.softmax(logits / (t if drawn == 0 else 1), dim=-1)
        ),
    ),
    (
        "mask_special",
        "you rule out some tokens (the padding or start token?) before drawing; draw from the softmax "
        "over all V logits",
        _sample_variant(weigh=_without_specials),
    ),
    (
        "all_drawn_at_once",
        "you draw every token from the first step's distribution; feed each token back and draw the "
        "next one from the model's new logits",
        _sample_all_at_once,
    ),
)

register(
    Exercise(
        id="sample",
        title="Sampling new text, one character at a time, with temperature",
        signature="sample(model, prompt, temperature, max_len, end_index, generator) -> tokens",
        arg_names=("model", "prompt", "temperature", "max_len", "end_index", "generator"),
        output_names=("tokens",),
        make_cases=_sample_cases,
        lesson="11_real_task",
        forbid_rnn=False,
        forbid_modules=("rnn_course.train",),
        adapter="rnn_course.adapters:sample_adapter",
        timeout=30.0,
        mistakes=tuple(Mistake(n, m, sample_adapter(fn)) for n, m, fn in _SAMPLE_MISTAKES),
        hints=(
            "Read the whole prompt first: the scores at its last position give the distribution of the "
            "first new token. Then repeat: scores to probabilities, draw a token, keep it, feed it back.",
            "The temperature divides the scores before the softmax. Draw with the generator you were "
            "given, so that the draws can be reproduced. Each call of model.step returns a state: the "
            "next call needs it, together with only the newest token. Stop after the end token (kept) "
            "or after max_len tokens.",
            "The methods: model.step reads the prompt once, then one new token at a time with "
            "<the state to carry>; torch.softmax over the vocabulary axis turns the last position's scores "
            "(divided by the temperature) into probabilities; torch.multinomial with the generator "
            "draws one token. Keep each drawn token and check it against end_index after keeping it; "
            "how the loop stops at max_len and how the kept tokens become one 1-D tensor is yours.",
        ),
    )
)
