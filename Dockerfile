# The image the Helm chart runs: every service is `python -m services.<name>`.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY services services
COPY yrdhub yrdhub
RUN pip install --no-cache-dir . && useradd --uid 10001 yrdhub
USER 10001
ENV PYTHONUNBUFFERED=1
