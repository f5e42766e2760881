"""Pure domain rules of the Wet inburgering 2021 as Mijn Route applies them (see domain.md).

Standard library only: plain values in, plain values (dataclasses, dates, Decimals, string codes) out.
The web layer translates the codes; every number comes from `rules.Rules`.
"""
