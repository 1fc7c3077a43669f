# One image for every process of the ledger: api, worker, dispatcher, projections, sealer.
FROM python:3.11.10-slim-bookworm

ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 LEDGER_HOME=/var/lib/credit-ledger
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY ledger ledger
COPY workflows workflows
COPY projections projections
COPY api api
RUN pip install --no-cache-dir --no-deps . \
 && useradd --system --uid 10001 ledger \
 && mkdir -p /var/lib/credit-ledger && chown ledger /var/lib/credit-ledger
USER ledger
EXPOSE 8000
CMD ["credit-ledger", "serve", "--host", "0.0.0.0", "--port", "8000"]
