/** A screen that is not built yet (replaced screen by screen). */
import { Empty } from '../components/ui';

export function Placeholder({ title }: { title: string }) {
  return (
    <section aria-labelledby="placeholder-title">
      <h1 id="placeholder-title">{title}</h1>
      <Empty title="Coming in this release" />
    </section>
  );
}
