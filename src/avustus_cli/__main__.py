"""``python -m avustus_cli``: the same command line as the ``avustus`` script."""

from avustus_cli.cli import main

if __name__ == "__main__":
    main()
