# The countersign worker image (used by docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci runs the build (prepare) before the sources are here; the build after them is the real one.
COPY bin ./bin
RUN npm ci --omit=dev --ignore-scripts=false
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY tsconfig.json ./
COPY policies ./policies
RUN node bin/build.js
# The folders the compose file mounts volumes on, owned by the user the worker runs as (a volume
# takes the owner of the folder it is mounted on), and the default ledger folder.
RUN mkdir -p /var/lib/countersign/notifications /var/lib/countersign/evidence /app/.data \
  && chown -R node:node /var/lib/countersign /app/.data
USER node
# The compiled worker and the prebuilt workflow bundle: a restarted container polls at once. Its
# heaps and malloc arenas kept small: a worker mostly waits (workers/process-memory.ts).
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--max-old-space-size=256", "--max-semi-space-size=2", "bin/run-entry.js", "workers/main"]
