/*
 * msg.h: the messages capsuled's processes send each other over
 * socketpairs: length-prefixed frames with a type, bounded sizes, and
 * at most one descriptor each (SCM_RIGHTS).  The frame format and the
 * field encoding inside a payload are pure (msg_frame, msg_field_*) and
 * fuzzed; msg_send/msg_recv do the I/O.
 *
 * A frame is a header of 8 bytes, then the payload:
 *	uint32	payload length (host order; both ends are this host)
 *	uint16	type (MSG_*)
 *	uint16	flags (MSG_FD: a descriptor travels with the frame)
 * A payload is raw bytes or a sequence of fields, each
 *	uint16 tag, uint16 length, bytes.
 */

#ifndef CAPSULED_MSG_H
#define CAPSULED_MSG_H

#include <stddef.h>
#include <stdint.h>

#define MSG_HEADER	8
#define MSG_PAYLOAD_MAX	(64 * 1024)	/* bytes of payload in a frame */
#define MSG_FD		0x0001		/* the frame carries a descriptor */

/* Message types: which process sends which is in docs/design.md. */
enum msg_type {
	MSG_RETIRE = 1,		/* parent -> worker: stop accepting */
	MSG_READY,		/* helper -> parent: started, serving */
	MSG_FAILED,		/* helper -> parent: cannot start (text) */
	MSG_CHANNEL,		/* parent -> helper: a worker's channel (fd) */
	MSG_KEY_CHANNEL,	/* parent -> worker: a new key channel (fd) */
	MSG_SIGN,		/* worker -> keyproc: sign this (signer.h) */
	MSG_SIGNED,		/* keyproc -> worker: the signature */
	MSG_SIGN_FAILED,	/* keyproc -> worker: refused */
	MSG_SPAWN_CHANNEL,	/* parent -> worker: a new spawner channel */
	MSG_OPEN,		/* worker -> spawner: a file to stream */
	MSG_OPENED,		/* spawner -> worker: it (fd) */
	MSG_OPEN_FAILED,	/* spawner -> worker: refused (errno) */
	MSG_RUN_CHANNEL,	/* parent -> worker: a new runner channel */
	MSG_CGI,		/* worker -> runner: run this script */
	MSG_FCGI,		/* worker -> runner: connect to a responder */
	MSG_RUNNING,		/* runner -> worker: its output (fd) */
	MSG_RUN_FAILED,		/* runner -> worker: refused (errno) */
	MSG_TYPE_MAX
};

struct msg {
	uint16_t	 type;
	uint16_t	 flags;
	int		 fd;		/* -1 unless MSG_FD */
	size_t		 len;
	unsigned char	 data[MSG_PAYLOAD_MAX];
};

/* What is buffered from one socket until frames are complete. */
struct msg_reader {
	unsigned char	 buf[MSG_HEADER + MSG_PAYLOAD_MAX];
	size_t		 len;
	int		 fds[4];	/* received, not yet claimed */
	int		 nfds;
};

/* A payload being written field by field. */
struct msg_writer {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
	int		 failed;	/* sticky: a field did not fit */
};

/* A payload being read field by field. */
struct msg_cursor {
	const unsigned char	*p;
	size_t			 left;
};

int	 msg_frame(const unsigned char *, size_t, uint16_t *, uint16_t *,
	    size_t *, const char **);
void	 msg_writer_init(struct msg_writer *, unsigned char *, size_t);
void	 msg_field(struct msg_writer *, uint16_t, const void *, size_t);
void	 msg_field_str(struct msg_writer *, uint16_t, const char *);
void	 msg_field_u32(struct msg_writer *, uint16_t, uint32_t);
void	 msg_cursor_init(struct msg_cursor *, const void *, size_t);
int	 msg_field_next(struct msg_cursor *, uint16_t *, const void **,
	    size_t *);

void	 msg_reader_init(struct msg_reader *);
void	 msg_reader_clear(struct msg_reader *);
int	 msg_send(int, uint16_t, const void *, size_t, int);
int	 msg_read(int, struct msg_reader *);
int	 msg_get(struct msg_reader *, struct msg *, const char **);

#endif /* CAPSULED_MSG_H */
