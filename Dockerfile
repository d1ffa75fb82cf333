# liveblog-ingest service image: one image, the subcommand chooses the role (worker, sink, replay).

# The quote extractor is compiled with mypyc (setup.py), which needs a C compiler: the wheel is
# built in the full image and installed in the slim one.
FROM python:3.11 AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY schemas ./schemas
COPY service ./service
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
RUN useradd --create-home --uid 10001 liveblog

# Runtime dependencies only (no test tools): requirements-runtime.lock pins the same versions
# and hashes as requirements.lock, without the dev extra (both written by ./run lock).
COPY requirements-runtime.lock ./
RUN pip install --require-hashes -r requirements-runtime.lock

COPY --from=build /wheels /wheels
COPY seeds ./seeds
RUN pip install --no-deps /wheels/*.whl && rm -rf /wheels \
    && mkdir -p /app/out /app/.run && chown -R liveblog /app/out /app/.run

USER liveblog
ENV LIVEBLOG_LOG_FORMAT=json \
    LIVEBLOG_WEB_HOST=0.0.0.0
ENTRYPOINT ["liveblog"]
CMD ["--help"]
