"""Commands whose arguments may be negative numbers (``hub stock set SKU -5``).

Click reads ``-5`` as an unknown option ("No such option '-5'"). These commands
pass a negative number that stands where an argument goes on as that argument,
so the command's own check can say what is allowed; a misspelt option is still
reported as one.
"""

from __future__ import annotations

import re

import click

NUMBER = re.compile(r"^-(\d+(\.\d*)?|\.\d+|inf(inity)?|nan)$", re.IGNORECASE)


class SignedArgsCommand(click.Command):
    """A click command that takes negative numbers as arguments."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {name: not (p.is_flag or p.count)
                       for p in self.get_params(ctx) if isinstance(p, click.Option)
                       for name in (*p.opts, *p.secondary_opts)}
        options: list[str] = []
        positional: list[str] = []
        tokens = iter(args)
        for token in tokens:
            if token == "--":
                positional.extend(tokens)
                break
            if not token.startswith("-") or token == "-" or NUMBER.match(token):
                positional.append(token)
                continue
            options.append(token)
            if "=" not in token and takes_value.get(token):
                value = next(tokens, None)
                if value is not None:
                    options.append(value)
        return super().parse_args(ctx, [*options, "--", *positional] if positional else options)
