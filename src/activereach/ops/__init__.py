"""Operations: health, readiness, metrics, migrations and logging set-up."""
