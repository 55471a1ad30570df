"""The text of the scripts :mod:`~ce_desktop.model.training_code` writes, one framework and one model at a time.

Every script is the same four parts: a docstring, the imports, the settings and data as literals
with the helpers every framework shares (:data:`SETTINGS`: features, the mini-batches and the
coefficients of PyTorch's cross-entropy), then the model, the loss and the training loop in the
framework's own terms. Placeholders are :class:`string.Template`'s ``$name`` (Python code holds no
``$``). Nothing here runs; the scripts' tests run them.
"""

from __future__ import annotations

__all__ = ["DESCRIPTIONS", "IMPORTS", "SETTINGS", "START", "UPDATE", "BODIES"]

#: One line per framework for the script's docstring: what does the work.
DESCRIPTIONS = {
    "numpy": "NumPy: PyTorch's F.cross_entropy and its gradient written out by hand.",
    "torch": "PyTorch: F.cross_entropy, autograd and torch.optim.",
    "tensorflow": "TensorFlow (Keras): a Keras model, PyTorch's cross-entropy written in tf ops,\n"
    "tf.GradientTape, and the optimiser's update written out.",
    "jax": "JAX: PyTorch's cross-entropy written in jax.numpy, jax.grad, and the optimiser's update\n"
    "written out.",
}

IMPORTS = {
    "numpy": "import numpy as np\n",
    "torch": "import numpy as np\nimport torch\nimport torch.nn.functional as F\n",
    "tensorflow": '''import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # a quieter start
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # TensorFlow's plain kernels, not oneDNN's reordered sums
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
''',
    "jax": '''import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)  # float64, as CE Explorer computes
''',
}

SETTINGS = '''
POINTS = $points
TARGET = $target  # $target_kind
CLASSES = $classes
CLASS_WEIGHTS = $weights
LABEL_SMOOTHING = $smoothing
IGNORE_INDEX = $ignore_index  # class-index targets equal to this count for nothing ($ignore_note)
REDUCTION = $reduction
DEGREE = $degree
OPTIMIZER = $optimizer
LR = $lr
MOMENTUM = $momentum
BETA1, BETA2, EPS = $beta1, $beta2, $eps
BATCH_SIZE = $batch  # None: every step uses every point
SEED = $seed  # the mini-batches' shuffling: numpy.random.default_rng([SEED, epoch])
WEIGHT_DECAY = $weight_decay  # adds WEIGHT_DECAY / 2 * (the sum of the squared weights, not biases) to the loss
STEPS = $steps
'''

#: The starting parameters, by model.
START = {
    "linear": '''# The starting parameters: W (classes x features) and b (classes).
W_START = $w
B_START = $b
''',
    "mlp": '''HIDDEN = $hidden
ACTIVATION = $activation
# The starting parameters: W1 (hidden x features), b1 (hidden), W2 (classes x hidden), b2 (classes).
W1_START = $w1
B1_START = $b1
W2_START = $w2
B2_START = $b2
''',
}

HELPERS = '''

def features(points, degree):
    """x1, x2; then x1^2, x1*x2, x2^2; then x1^3, x1^2*x2, x1*x2^2, x2^3."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([x1 ** (k - j) * x2 ** j for k in range(1, degree + 1) for j in range(k + 1)], axis=1)


def batches(n, epoch):
    order = np.random.default_rng([SEED, epoch]).permutation(n)
    return [order[i:i + BATCH_SIZE] for i in range(0, n, BATCH_SIZE)]
'''

#: PyTorch's F.cross_entropy as one formula, for the scripts that write the loss out.
COEFFICIENTS = '''

def coefficients(target):
    """PyTorch's F.cross_entropy as one formula: loss_n = -sum_c A[n, c] log softmax(z_n)_c, and
    reduction="mean" divides the sum of the loss_n by the sum of S[n]. Returns A (N x C) and S (N)."""
    w = np.ones(CLASSES) if CLASS_WEIGHTS is None else np.array(CLASS_WEIGHTS, dtype=float)
    eps = LABEL_SMOOTHING
    if target.ndim == 1:  # class indices: the mean divides by the weights of the samples' classes
        kept = target != IGNORE_INDEX
        t = np.where(kept, target, 0)
        s = np.where(kept, w[t], 0.0)
        a = ((1 - eps) * s[:, None] * np.eye(CLASSES)[t] + eps / CLASSES * w[None, :]) * kept[:, None]
    else:  # probabilities: the mean divides by N, whatever the weights
        a = ((1 - eps) * target + eps / CLASSES) * w[None, :]
        s = np.ones(len(target))
    return a, s
'''

#: The optimisers' arithmetic, as CE Explorer's optim.optimizer_update does it.
UPDATE = '''

def update(p, g, m, v, t, sqrt):
    """One step of CE Explorer's optimiser on one parameter p with gradient g; m and v are its
    moments (momentum's velocity, Adam's first and second), t the step's number from 1."""
    if OPTIMIZER == "sgd":
        return p - LR * g, m, v
    if OPTIMIZER == "momentum":
        m = MOMENTUM * m + g
        return p - LR * m, m, v
    m = BETA1 * m + (1 - BETA1) * g
    v = BETA2 * v + (1 - BETA2) * g * g
    return p - LR * (m / (1 - BETA1 ** t)) / (sqrt(v / (1 - BETA2 ** t)) + EPS), m, v
'''

_LOOP_HEAD = '''everything = np.arange(len(x))
epoch, step_batches = 0, []
for k in range(STEPS + 1):
'''

_NEXT_BATCH = '''    rows = everything
    if BATCH_SIZE is not None and BATCH_SIZE < len(x):
        if not step_batches:
            step_batches = batches(len(x), epoch)
            epoch += 1
        rows = step_batches.pop(0)
'''

# ----------------------------------------------------------------------------- NumPy

_NUMPY_MODEL = {
    "linear": '''

def logits(params, x):
    w, b = params
    return x @ w.T + b


def backward(params, x, gz):
    """d loss / d (W, b) from d loss / d logits."""
    return [gz.T @ x, gz.sum(axis=0)]


params = [np.array(W_START, dtype=float), np.array(B_START, dtype=float)]
DECAYED = [True, False]  # weight decay applies to W, not b
''',
    "mlp": '''

def hidden(params, x):
    w1, b1 = params[:2]
    $numpy_activation


def logits(params, x):
    return hidden(params, x) @ params[2].T + params[3]


def backward(params, x, gz):
    """d loss / d (W1, b1, W2, b2) from d loss / d logits, by backpropagation."""
    h = hidden(params, x)
    gh = gz @ params[2]
    $numpy_derivative
    return [gpre.T @ x, gpre.sum(axis=0), gz.T @ h, gz.sum(axis=0)]


params = [np.array(p, dtype=float) for p in (W1_START, B1_START, W2_START, B2_START)]
DECAYED = [True, False, True, False]  # weight decay applies to W1 and W2, not the biases
''',
}

NUMPY_ACTIVATION = {
    "tanh": ("return np.tanh(x @ w1.T + b1)", "gpre = gh * (1 - h * h)  # tanh' = 1 - tanh^2"),
    "relu": ("return np.maximum(x @ w1.T + b1, 0.0)",
             "gpre = gh * (h > 0)  # relu' = 1 above 0, and 0 at 0 (as PyTorch takes it)"),
}

_NUMPY_BODY = '''$model

def loss_and_gradients(params, rows):
    """The loss over the points ``rows`` (PyTorch's F.cross_entropy + the L2 term) and its gradients."""
    a, s = A[rows], S[rows]
    z = logits(params, x[rows])
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    scale = 1.0 / s.sum() if REDUCTION == "mean" else 1.0
    penalty = sum((p ** 2).sum() for p, decayed in zip(params, DECAYED) if decayed)
    loss = -(a * log_p).sum() * scale + WEIGHT_DECAY / 2 * penalty
    gz = (a.sum(axis=1, keepdims=True) * np.exp(log_p) - a) * scale  # d loss / d logits
    grads = backward(params, x[rows], gz)
    return loss, [g + WEIGHT_DECAY * p if decayed else g for g, p, decayed in zip(grads, params, DECAYED)]


x = features(np.array(POINTS, dtype=float), DEGREE)
A, S = coefficients(np.array(TARGET))
moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
''' + _LOOP_HEAD + '''    loss, grads = loss_and_gradients(params, everything)
    print(k, repr(float(loss)))
    if k == STEPS:
        break
''' + _NEXT_BATCH + '''    if rows is not everything:
        _, grads = loss_and_gradients(params, rows)
    for i, g in enumerate(grads):
        params[i], moments[i][0], moments[i][1] = update(params[i], g, *moments[i], k + 1, np.sqrt)
'''

# ----------------------------------------------------------------------------- PyTorch

_TORCH_MODEL = {
    "linear": '''model = torch.nn.Linear(x.shape[1], CLASSES)  # logits = x W^T + b
with torch.no_grad():
    model.weight.copy_(torch.tensor(W_START))
    model.bias.copy_(torch.tensor(B_START))
weights = [model.weight]  # weight decay applies to W, not b
''',
    "mlp": '''model = torch.nn.Sequential(
    torch.nn.Linear(x.shape[1], HIDDEN), $torch_activation, torch.nn.Linear(HIDDEN, CLASSES)
)
with torch.no_grad():
    for layer, w, b in ((model[0], W1_START, B1_START), (model[2], W2_START, B2_START)):
        layer.weight.copy_(torch.tensor(w))
        layer.bias.copy_(torch.tensor(b))
weights = [model[0].weight, model[2].weight]  # weight decay applies to W1 and W2, not the biases
''',
}

TORCH_ACTIVATION = {"tanh": "torch.nn.Tanh()", "relu": "torch.nn.ReLU()"}

_TORCH_BODY = '''
torch.set_default_dtype(torch.float64)
x = torch.tensor(features(np.array(POINTS, dtype=float), DEGREE))
target = torch.tensor(TARGET)  # int64 class indices or float64 probabilities, as F.cross_entropy takes
weight = None if CLASS_WEIGHTS is None else torch.tensor(CLASS_WEIGHTS)
$model
# torch.optim's SGD, SGD with momentum and Adam do CE Explorer's arithmetic (Adam up to rounding:
# it applies the bias corrections in another order). Weight decay is in the loss, not the
# optimiser's weight_decay, which would decay the biases too.
if OPTIMIZER == "sgd":
    opt = torch.optim.SGD(model.parameters(), lr=LR)
elif OPTIMIZER == "momentum":
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
else:
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)


def loss_of(rows):
    rows = torch.as_tensor(rows)
    loss = F.cross_entropy(model(x[rows]), target[rows], weight=weight, reduction=REDUCTION,
                           label_smoothing=LABEL_SMOOTHING, ignore_index=IGNORE_INDEX)
    return loss + WEIGHT_DECAY / 2 * sum((w ** 2).sum() for w in weights)


''' + _LOOP_HEAD + '''    with torch.no_grad():
        print(k, repr(loss_of(everything).item()))
    if k == STEPS:
        break
''' + _NEXT_BATCH + '''    opt.zero_grad()
    loss_of(rows).backward()
    opt.step()
'''

# ----------------------------------------------------------------------------- TensorFlow (Keras)

_TF_MODEL = {
    "linear": '''model = keras.Sequential([keras.Input(shape=(x.shape[1],)), keras.layers.Dense(CLASSES)])
# Keras keeps W transposed: its Dense computes x @ kernel + bias, kernel = W^T.
model.layers[0].set_weights([np.array(W_START).T, np.array(B_START)])
''',
    "mlp": '''model = keras.Sequential([
    keras.Input(shape=(x.shape[1],)), keras.layers.Dense(HIDDEN, activation=ACTIVATION), keras.layers.Dense(CLASSES)
])
# Keras keeps each W transposed: its Dense computes x @ kernel + bias, kernel = W^T. (Its relu's
# gradient at 0 is 0, as PyTorch's.)
model.layers[0].set_weights([np.array(W1_START).T, np.array(B1_START)])
model.layers[1].set_weights([np.array(W2_START).T, np.array(B2_START)])
''',
}

_TF_BODY = '''
keras.backend.set_floatx("float64")
x = tf.constant(features(np.array(POINTS, dtype=float), DEGREE))
$model
params = model.trainable_variables
kernels = [layer.kernel for layer in model.layers]  # weight decay applies to the weights, not the biases
a_all, s_all = (tf.constant(c) for c in coefficients(np.array(TARGET)))


def loss_of(rows):
    # PyTorch's F.cross_entropy written in tf ops: Keras' CategoricalCrossentropy takes no class
    # weights of its own (sample weights multiply, but its mean divides by N, not by the sum of
    # the samples' class weights as PyTorch's does), nor an ignored class.
    log_p = tf.nn.log_softmax(model(tf.gather(x, rows)), axis=1)
    loss = -tf.reduce_sum(tf.gather(a_all, rows) * log_p)
    if REDUCTION == "mean":
        loss = loss / tf.reduce_sum(tf.gather(s_all, rows))
    return loss + WEIGHT_DECAY / 2 * tf.add_n([tf.reduce_sum(w ** 2) for w in kernels])


def gradients(rows):
    with tf.GradientTape() as tape:
        loss = loss_of(rows)
    return tape.gradient(loss, params)


# The update is written out: keras.optimizers.Adam puts EPS outside the bias correction
# (lr * sqrt(1 - BETA2^t) / (1 - BETA1^t) * m / (sqrt(v) + EPS)), a different step from
# CE Explorer's and PyTorch's m_hat / (sqrt(v_hat) + EPS).
moments = [[tf.zeros(p.shape, tf.float64), tf.zeros(p.shape, tf.float64)] for p in params]
''' + _LOOP_HEAD + '''    print(k, repr(float(loss_of(everything))))
    if k == STEPS:
        break
''' + _NEXT_BATCH + '''    for i, (p, g) in enumerate(zip(params, gradients(rows))):
        new, moments[i][0], moments[i][1] = update(tf.convert_to_tensor(p), g, *moments[i], k + 1, tf.sqrt)
        p.assign(new)
'''

# ----------------------------------------------------------------------------- JAX

_JAX_MODEL = {
    "linear": '''

def logits(params, x):
    w, b = params
    return x @ w.T + b


params = [jnp.array(W_START), jnp.array(B_START)]
DECAYED = [True, False]  # weight decay applies to W, not b
''',
    "mlp": '''

def logits(params, x):
    w1, b1, w2, b2 = params
    return $jax_activation(x @ w1.T + b1) @ w2.T + b2


params = [jnp.array(p) for p in (W1_START, B1_START, W2_START, B2_START)]
DECAYED = [True, False, True, False]  # weight decay applies to W1 and W2, not the biases
''',
}

#: jax.nn.relu, not jnp.maximum(x, 0): the latter's gradient at 0 is 1/2, PyTorch's (and the app's) 0.
JAX_ACTIVATION = {"tanh": "jnp.tanh", "relu": "jax.nn.relu"}

_JAX_BODY = '''
x = jnp.array(features(np.array(POINTS, dtype=float), DEGREE))
a_all, s_all = (jnp.array(c) for c in coefficients(np.array(TARGET)))
$model

def loss_of(params, rows):
    # PyTorch's F.cross_entropy written in jax.numpy (optax's softmax_cross_entropy has no class
    # weights, smoothing or ignored class, and its mean would divide by N).
    log_p = jax.nn.log_softmax(logits(params, x[rows]), axis=1)
    loss = -(a_all[rows] * log_p).sum()
    if REDUCTION == "mean":
        loss = loss / s_all[rows].sum()
    return loss + WEIGHT_DECAY / 2 * sum((p ** 2).sum() for p, decayed in zip(params, DECAYED) if decayed)


full_loss = jax.jit(loss_of)
gradients = jax.jit(jax.grad(loss_of))
# The update is written out (JAX has no optimiser of its own; optax's would do the same sums).
moments = [[jnp.zeros_like(p), jnp.zeros_like(p)] for p in params]
''' + _LOOP_HEAD + '''    print(k, repr(float(full_loss(params, everything))))
    if k == STEPS:
        break
''' + _NEXT_BATCH + '''    for i, g in enumerate(gradients(params, jnp.asarray(rows))):
        params[i], moments[i][0], moments[i][1] = update(params[i], g, *moments[i], k + 1, jnp.sqrt)
'''

#: For each framework: the shared helpers it needs, its model pieces and its body.
BODIES = {
    "numpy": (HELPERS + COEFFICIENTS + UPDATE, _NUMPY_MODEL, _NUMPY_BODY),
    "torch": (HELPERS, _TORCH_MODEL, _TORCH_BODY),
    "tensorflow": (HELPERS + COEFFICIENTS + UPDATE, _TF_MODEL, _TF_BODY),
    "jax": (HELPERS + COEFFICIENTS + UPDATE, _JAX_MODEL, _JAX_BODY),
}
