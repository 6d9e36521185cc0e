"""The files and web services the registries take (ACCME PARS, NABP CPE Monitor).

- `columns`: how one column definition becomes a tab-delimited file and an Excel file.
- `pars`, `cpe_monitor`: each registry's column definition, its results-file columns and
  its web-service request and response shapes.
- `results`: the import of a registry's results file (all or nothing).
- `transport`: `send(registry, deliveries, by=...)`, by file or by web service
  (setting CME_REGISTRY_TRANSPORT).
"""
