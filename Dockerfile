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
USER node
# The compiled worker and the prebuilt workflow bundle: a restarted container polls at once.
CMD ["node", "bin/run-entry.js", "workers/main"]
