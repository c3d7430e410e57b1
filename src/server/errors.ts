/** The server could not start or its data directory is unusable (a one-line reason for the CLI). */
export class ServerSetupError extends Error {
  override readonly name = "ServerSetupError";
}
