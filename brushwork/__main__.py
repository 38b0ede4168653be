import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still loading brushwork
    sys.stderr.write("brushwork: interrupted\n")
    sys.exit(130)

sys.exit(main())
