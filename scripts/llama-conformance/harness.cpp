// Runs chains of llama.cpp's own samplers (src/llama-sampler.cpp) on cases read from standard input and
// prints the final distribution of each: the softmax over the candidates the chain leaves, 0 elsewhere.
// Built and run by generate.mjs; see there for the input format. Only what these samplers call is linked:
// the rest of libllama (vocab, grammar, ggml backends) is left unresolved and never reached.
#include "llama.h"
#include "llama-impl.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

// The two pieces of libllama outside src/llama-sampler.cpp that a chain reaches: its timer (off here) and
// the log (silent).
time_meas::time_meas(int64_t & t_acc, bool disable) : t_start_us(-1), t_acc(t_acc) { (void) disable; }
time_meas::~time_meas() {}
void llama_log_internal(ggml_log_level, const char *, ...) {}

static float readf() {
    double x;
    if (scanf("%lf", &x) != 1) { fprintf(stderr, "harness: bad input\n"); std::exit(2); }
    return (float) x;
}

static int readi() { return (int) readf(); }

int main() {
    const int ncases = readi();
    printf("[\n");
    for (int c = 0; c < ncases; c++) {
        const int V = readi();
        std::vector<float> logits(V);
        for (auto & x : logits) x = readf();
        std::vector<int> ctx(readi());
        for (auto & t : ctx) t = readi();
        std::vector<llama_logit_bias> bias(readi());
        for (auto & b : bias) { b.token = readi(); b.bias = readf(); if (b.bias < -1e29f) b.bias = -INFINITY; }
        const int last_n = readi();
        const float repeat = readf(), freq = readf(), present = readf();
        const float n_sigma = readf();
        const int top_k = readi();
        const float typical = readf(), top_p = readf(), min_p = readf(), xtc_t = readf();
        const float temp = readf(), dyn_range = readf(), dyn_exp = readf();
        const int min_keep = readi();

        // common/sampling.cpp's default chain: logit bias, penalties, top-n-sigma, top-k, typical, top-p,
        // min-p, XTC, temperature (temp_ext); each only when not neutral, as there
        llama_sampler_chain_params params = { /* no_perf */ true };
        auto * chain = llama_sampler_chain_init(params);
        if (!bias.empty()) llama_sampler_chain_add(chain, llama_sampler_init_logit_bias(V, (int) bias.size(), bias.data()));
        llama_sampler_chain_add(chain, llama_sampler_init_penalties(V, last_n, repeat, freq, present));
        if (n_sigma > 0) llama_sampler_chain_add(chain, llama_sampler_init_top_n_sigma(n_sigma));
        if (top_k > 0) llama_sampler_chain_add(chain, llama_sampler_init_top_k(top_k));
        if (typical < 1) llama_sampler_chain_add(chain, llama_sampler_init_typical(typical, min_keep));
        if (top_p < 1) llama_sampler_chain_add(chain, llama_sampler_init_top_p(top_p, min_keep));
        if (min_p > 0) llama_sampler_chain_add(chain, llama_sampler_init_min_p(min_p, min_keep));
        if (xtc_t > 0) llama_sampler_chain_add(chain, llama_sampler_init_xtc(1.0f, xtc_t, min_keep, 1));
        llama_sampler_chain_add(chain, llama_sampler_init_temp_ext(temp, dyn_range, dyn_exp));
        for (int t : ctx) llama_sampler_accept(chain, t);

        std::vector<llama_token_data> data(V);
        for (int i = 0; i < V; i++) data[i] = { i, logits[i], 0.0f };
        llama_token_data_array cur = { data.data(), data.size(), -1, false };
        llama_sampler_apply(chain, &cur);

        double mx = -INFINITY, z = 0;
        for (size_t i = 0; i < cur.size; i++) mx = std::max(mx, (double) cur.data[i].logit);
        std::vector<double> p(V, 0.0);
        for (size_t i = 0; i < cur.size; i++) z += std::exp((double) cur.data[i].logit - mx);
        for (size_t i = 0; i < cur.size; i++) p[cur.data[i].id] = std::exp((double) cur.data[i].logit - mx) / z;
        printf("  [");
        for (int i = 0; i < V; i++) printf(i ? ",%.9g" : "%.9g", std::isnan(p[i]) ? -1.0 : p[i]);
        printf("]%s\n", c + 1 < ncases ? "," : "");
        llama_sampler_free(chain);
    }
    printf("]\n");
    return 0;
}
