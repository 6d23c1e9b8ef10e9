"""The course's command line: ``python -m helpers train`` and ``python -m helpers generate``.

Examples::

    python -m helpers train my_book.txt --minutes 10 --out mine.keras
    python -m helpers train chat --column text --where fromUser.username=someone --minutes 5 \\
        --out someone.keras
    python -m helpers generate mine.keras --seed-text "once upon a time" --length 300

Running the same ``train`` command again resumes an interrupted run (or continues one whose budget
you raised). Bad input ends with exit status 2 and a one-line message, without a traceback; an
interrupted run (Ctrl+C) ends with status 130 after saying how to resume it.
"""

from __future__ import annotations

import argparse
import os
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Train a character-level LSTM on your own text, or generate text with one.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser(
        "train",
        help="train a model on text files, CSV columns or registered corpora",
        description="Train within a time budget; the same command again resumes the run.",
    )
    train.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a text file, a CSV file (see --column, --where) or a registered corpus name; "
        "several are joined into one corpus",
    )
    train.add_argument("--minutes", type=float, required=True, help="training time budget")
    train.add_argument("--out", required=True, help="the model file to write, FILE.keras")
    train.add_argument("--epochs", type=int, help="at most this many epochs (default: budget)")
    train.add_argument("--column", default="text", help="text column of CSV sources")
    train.add_argument("--where", help="row filter of CSV sources, COLUMN=VALUE")
    train.add_argument("--run-dir", help="where the resumable state goes (default: runs/<FILE>)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--seed-text", help="text the samples start from (default: the corpus's)")
    train.add_argument("--size", default="auto", choices=("auto", "cpu", "gpu"))
    train.add_argument("--quiet", action="store_true", help="print only errors and the result")

    gen = commands.add_parser("generate", help="generate text with a trained model")
    gen.add_argument("model", metavar="FILE.keras", help="a model written by train")
    gen.add_argument("--seed-text", required=True, help="the text to continue")
    gen.add_argument("--length", type=int, default=400, help="characters per sample")
    gen.add_argument("--temperature", type=float, default=0.8, help="sampling temperature")
    gen.add_argument("--samples", type=int, default=1, help="how many samples")
    gen.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported
    from helpers import textgen  # imports TensorFlow: only once the arguments are valid

    try:
        if args.command == "train":
            result = textgen.train(
                args.sources,
                minutes=args.minutes,
                out=args.out,
                epochs=args.epochs,
                run_dir=args.run_dir,
                seed=args.seed,
                seed_text=args.seed_text,
                size=args.size,
                column=args.column,
                where=args.where,
                verbose=0 if args.quiet else 1,
            )
            if not result.finished:
                print(
                    "Interrupted: the last completed epoch is saved in "
                    f"{result.run_dir}; run the same command again to resume.",
                    file=sys.stderr,
                )
                return 130
            if args.quiet:
                print(result.path)
            return 0
        texts = textgen.generate(
            args.model,
            args.seed_text,
            length=args.length,
            temperature=args.temperature,
            samples=args.samples,
            seed=args.seed,
        )
        for i, text in enumerate(texts):
            if i:
                print("\n---")
            print(args.seed_text + text)
        return 0
    except textgen.TextgenError as err:
        print("error: " + " ".join(str(err).split()), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted: run the same command again to resume.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
