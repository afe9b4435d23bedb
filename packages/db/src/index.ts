export { Database, type DatabaseOptions, type Engine } from "./database.js";
