package org.smimed.daemon.grpc;

import io.grpc.stub.StreamObserver;

/** A unary call's one answer, or its failure as the status {@link StatusMapper} gives it. */
final class Unary {
    /** The work of a unary call: its answer, or the domain failure that refuses it. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws Exception;
    }

    private Unary() {
    }

    static <T> void answer(StreamObserver<T> response, StatusMapper statuses, Call<T> call) {
        T answer;
        try {
            answer = call.run();
        } catch (Exception e) {
            response.onError(statuses.toStatus(e));
            return;
        }
        response.onNext(answer);
        response.onCompleted();
    }
}
