import sys

from iqa_datagen.cli import run

sys.exit(run())
