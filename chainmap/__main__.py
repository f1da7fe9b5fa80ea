"""``python -m chainmap``."""

from chainmap.cli import main

if __name__ == "__main__":
    main()
