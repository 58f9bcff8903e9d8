"""The ``rnn-course`` command line (placeholder until the release and grade commands land)."""


def main(argv=None):
    raise SystemExit("rnn-course: no commands yet")
