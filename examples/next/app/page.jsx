// A server component: `next build` prerenders it, and with it the client component below, in Node.
import { Integrations } from './integrations.jsx';

export default function Page() {
  return (
    <main>
      <h1>Connected accounts</h1>
      <Integrations />
    </main>
  );
}
