# The countersign worker image (used by docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY bin ./bin
COPY tsconfig.json ./
USER node
CMD ["npx", "tsx", "workers/main.ts"]
