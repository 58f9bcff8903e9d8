"""The lessons, in order: the one list the grader, the release tool, the site and the lesson maps use.

Slugs are fixed: notebooks are ``notebooks/<slug>.ipynb`` (learner) and
``notebooks/solutions/<slug>.ipynb`` (answer key). Which exercises a lesson grades is not listed
here: each exercise names its lesson where it is registered (``rnn_course.exercises``).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    """One lesson: its slug, its title and what a learner can do after it (phrased as skills)."""

    slug: str
    title: str
    skills: str

    @property
    def number(self):
        """The two-digit number that starts the slug, e.g. "01"."""
        return self.slug[:2]


LESSONS = (
    Lesson(
        "00_welcome",
        "Welcome",
        "use `check`, `hint` and predictions; read the shapes `nn.RNN` returns",
    ),
    Lesson(
        "01_rnn_cell",
        "The RNN cell",
        "write one step of the cell; map U, W, V, b, c to torch's names; count parameters",
    ),
    Lesson(
        "02_unrolling",
        "Unrolling through time",
        "run the cell over a sequence; explain h0 and weight sharing",
    ),
    Lesson(
        "03_output_and_h_n",
        "output and h_n",
        "say what each holds; know when `output[-1] == h_n` holds and when it breaks",
    ),
    Lesson(
        "04_batch_first_and_shapes",
        "batch_first and shapes",
        "predict every shape; read torch's shape errors",
    ),
    Lesson(
        "05_stacked_rnns",
        "Stacked RNNs",
        "feed layer k with layer k-1's outputs; place dropout correctly",
    ),
    Lesson(
        "06_bidirectional_rnns",
        "Bidirectional RNNs",
        "lay out outputs and h_n of any RNN; write all of `nn.RNN`'s forward",
    ),
    Lesson(
        "07_predictions_and_loss",
        "From hidden states to predictions",
        "add a dense head, softmax and cross-entropy",
    ),
    Lesson(
        "08_backprop_through_time",
        "Backpropagation through time",
        "derive the cell's gradients; "
        "backpropagate through a whole layer by hand and check it entry by entry; "
        "truncate BPTT",
    ),
    Lesson(
        "09_vanishing_exploding",
        "Vanishing and exploding gradients",
        "measure gradient norms over time; clip them, and know what clipping bounds",
    ),
    Lesson(
        "10_variable_length_batches",
        "Variable-length batches",
        "pad, mask and pack batches (lengths on the CPU); "
        "pick the last real output; "
        "average a loss over real positions only",
    ),
    Lesson(
        "11_real_task",
        "A real task, end to end",
        "beat n-gram baselines; "
        "write the training step and the sampling loop; "
        "read learning curves and stop early",
    ),
    Lesson(
        "12_lstm",
        "LSTM",
        "write the gate equations and torch's i, f, g, o layout; "
        "pass `(h0, c0)` and read `(h_n, c_n)`; "
        "use `proj_size`; "
        "backpropagate through one step by hand; "
        "measure the gradient through the cell state",
    ),
    Lesson(
        "13_gru",
        "GRU",
        "know torch's r, z, n, where it applies the reset gate and which z keeps the state",
    ),
    Lesson(
        "14_when_gating_helps",
        "When gating helps",
        "train RNN, GRU and LSTM on a long memory, gates default or opened, over several seeds; read the spread",
    ),
    Lesson(
        "15_encoder_decoder",
        "Encoder-decoder",
        "condition a decoder on an encoder's final state; train with teacher forcing and a masked loss; "
        "decode greedily; measure the gap between training and free running",
    ),
    Lesson(
        "16_attention",
        "Attention",
        "write scaled dot-product attention with a padding mask; read an alignment map; "
        "measure when attention helps; run the same computation through torch's attention",
    ),
)


def lesson_slugs():
    """Every lesson's slug, in order."""
    return tuple(lesson.slug for lesson in LESSONS)
