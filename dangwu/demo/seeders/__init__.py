"""The built-in steps of the demo loader, one module per domain, each a `seed(context=…)` function.

`DemoConfig.ready()` registers them in `core.registries.demo_seeders` with these orders (gaps
left for the seeders of later apps, which register their own from their own `ready()`):

10 organizations · 20 accounts · 30 members · 40 development · 50 dues · 90 account roles
"""
