"""What the data is: vocabulary, chains, regions, enterprises and the ledger."""
