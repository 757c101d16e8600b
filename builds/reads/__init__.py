"""The operator-api's reads of build runs (runs list, progress, dashboard status, issue index and
backlog, error reports): selectors taking ``tenant=``, answering in the contract's shapes."""
