FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY bot ./bot
COPY cogs ./cogs
COPY content ./content
RUN useradd --create-home --uid 10001 tayori && mkdir -p /data && chown tayori /data
USER tayori
ENV DATABASE_PATH=/data/tayori.db
CMD ["python", "-m", "bot"]
