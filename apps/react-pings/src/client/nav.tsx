import { NavLink } from "react-router";

export function Nav() {
  return (
    <nav>
      <NavLink to="/" end>
        Home
      </NavLink>{" "}
      | <NavLink to="/pings">Pings</NavLink> | <NavLink to="/count">Counter</NavLink> | <NavLink to="/other">Other Pings</NavLink>
    </nav>
  );
}
