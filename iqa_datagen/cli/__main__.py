import sys

from iqa_datagen.cli import main

sys.exit(main())
