/** One file a renderer produces: a path relative to the output folder, and its whole text. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
}

/** What a renderer returns: the files for `-o DIR`, and what to print when there is no -o. */
export interface RenderOutput {
  readonly files: readonly RenderedFile[];
  /** A single stream: the compose file, every Kubernetes object, or the CloudFormation template. */
  readonly stdout: string;
}
