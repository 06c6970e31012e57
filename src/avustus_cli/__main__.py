"""``python -m avustus_cli``: the same command line as the ``avustus`` script."""

from .cli import main

if __name__ == "__main__":
    main()
