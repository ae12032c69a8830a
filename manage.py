#!/usr/bin/env python
"""For developers used to Django; `myhealthhub` is the same thing."""

from myhealthhub.cli import main

if __name__ == "__main__":
    main()
