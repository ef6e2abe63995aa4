#!/usr/bin/env python
"""Django's usual entry point; the ``holdspace`` console script does the same."""

from holdspace.cli import main

if __name__ == "__main__":
    main()
