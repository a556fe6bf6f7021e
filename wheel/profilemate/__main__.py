"""python -m profilemate: the same as the `profilemate` command."""
from . import main

main()
