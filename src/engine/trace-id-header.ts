/**
 * The gRPC header in which an instance answers every call with its trace id (and in the trailers
 * too, on failure): the server writes it, and the clients that drive traffic read it. A leaf, so
 * traffic/ can take it without loading the engine. Changing it changes the wire format.
 */
export const TRACE_ID_HEADER = 'x-trace-id';
