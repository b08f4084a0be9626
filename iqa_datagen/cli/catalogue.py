"""``iqa-datagen catalogue``: list the distortion catalogue or render a contact sheet."""

from __future__ import annotations

import argparse
import json
import sys


def cmd_catalogue(args: argparse.Namespace) -> int:
    from iqa_datagen import distortions
    from iqa_datagen.distortions.images import builtin_reference, load_image, resize_short_side
    from iqa_datagen.distortions.sheet import write_contact_sheet

    registry = distortions.build_registry(args.plugin or [])
    specs = list(registry)
    if args.sheet:
        image = load_image(args.image) if args.image else builtin_reference("chelsea")
        image = resize_short_side(image, args.short_side)
        names = args.names.split(",") if args.names else None
        path = write_contact_sheet(args.sheet, image, names=names, seed=args.seed,
                                   registry=registry)
        print(f"wrote {path} ({len(names or specs)} distortions × 5 levels)", file=sys.stderr)
    if args.markdown:
        from iqa_datagen.distortions.reference import markdown

        print(markdown(specs, registry.gt_name), end="")
    elif args.json:
        print(json.dumps([s.to_dict() for s in specs], indent=1))
    elif not args.sheet:
        for cat in registry.categories():
            print(f"{cat} ({registry.gt_name(cat)})")
            for s in registry.in_category(cat):
                params = "; ".join(",".join(f"{k}={v}" for k, v in lv.items()) for lv in s.levels)
                print(f"  {s.name:<30} {params}")
        print(f"{len(specs)} distortions in {len(registry.categories())} categories")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("catalogue", help="list the distortion catalogue or render a contact sheet")
    p.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    p.add_argument("--markdown", action="store_true",
                   help="print the distortion reference page (docs/distortions.md)")
    p.add_argument("--sheet", metavar="OUT.png", help="render a contact sheet")
    p.add_argument("--image", metavar="FILE", help="image for the sheet (default: a built-in one)")
    p.add_argument("--names", help="comma-separated distortion names for the sheet")
    p.add_argument("--short-side", type=int, default=224)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plugin", action="append", metavar="MODULE[:ATTR]",
                   help="load extra distortions from a module (repeatable)")
    p.set_defaults(handler=cmd_catalogue)
