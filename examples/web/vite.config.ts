import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

// The SPA talks to the API on its own origin: `/graphql` (HTTP) and `/graphql/ws`
// (graphql-transport-ws) are proxied to the SmartSave server, in `npm run dev` and in
// `npm run preview` alike, so the browser needs no CORS and the refresh cookie
// (SameSite=Strict, Path=/graphql) is first-party.
// 127.0.0.1, the server's default BIND_ADDR: Node may resolve `localhost` to ::1 first.
const api = process.env.SMARTSAVE_API ?? 'http://127.0.0.1:8080';

// No changeOrigin (nor rewriteWsOrigin): the request reaches the server as the browser sent
// it, Origin header included, and the server reads the refresh cookie only for an Origin in
// its CORS_ALLOWED_ORIGINS, so list the SPA's origin there (http://localhost:5173 for
// `npm run dev`, http://localhost:4173 for `npm run preview`). `ws: true` forwards the
// WebSocket upgrade of /graphql/ws (listed first, as the longer prefix).
const proxy: Record<string, ProxyOptions> = {
  '/graphql/ws': { target: api, ws: true },
  '/graphql': { target: api },
};

export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 4173, strictPort: true, proxy },
});
