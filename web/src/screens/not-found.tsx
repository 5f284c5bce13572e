import { Empty } from '../components/ui';
import { Link, type Route } from '../router';

export function NotFound({ route }: { route: Route }) {
  return (
    <section>
      <h1>Not found</h1>
      <Empty title={`Nothing at ${route.screen === 'not-found' ? route.path : ''}`}>
        <Link to="/">Back to the overview</Link>
      </Empty>
    </section>
  );
}
