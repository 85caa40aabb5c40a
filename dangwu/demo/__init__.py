"""The demo province (演示数据): regions, vocabularies, the planner and each domain's seeder.

A top-floor app: it may import any app of the project, and none imports it (decision 0015).

- `regions`, `vocabularies`, `profiles`: the places, words and kinds of branch the planner draws from;
- `plan`, `planner/`: the province drawn in memory from one seed (pure, no database);
- `context`: the loader's shared state handed to every seeder;
- `seeders/`, `accounts`: the built-in steps, registered in `core.registries.demo_seeders`;
- `loader`: runs the registered seeders in one transaction (`manage.py seed_demo`).
"""
