"""What the incidents say: filters, aggregates, headline figures and summaries."""
