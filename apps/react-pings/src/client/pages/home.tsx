export function Home() {
  return (
    <div>
      <h2>Home</h2>
      <p>This page is static and uses no Socket: the Phoenix Socket is disconnected while it is shown.</p>
    </div>
  );
}
